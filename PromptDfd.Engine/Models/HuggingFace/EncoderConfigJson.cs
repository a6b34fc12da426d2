using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.HuggingFace;

/// <summary>The config.json fields BERT's layout shares with the families built on it.</summary>
internal static class EncoderConfigJson
{
    public static BertConfig ReadBertFields(EncoderFamily family, JsonObject json, string source, int defaultPadding = 0,
        double defaultEpsilon = 1e-12, bool tanhGeluAllowed = false)
    {
        string activation = json["hidden_act"]?.GetValue<string>() ?? "gelu";
        bool tanhGelu = tanhGeluAllowed && activation is "gelu_new" or "gelu_pytorch_tanh";
        if (!tanhGelu) RequireGelu(activation, "hidden_act", source);
        string positions = json["position_embedding_type"]?.GetValue<string>() ?? "absolute";
        if (positions != "absolute")
            throw new InvalidDataException($"'{source}' uses position_embedding_type '{positions}'; only absolute position embeddings " +
                $"(\"absolute\") are supported.");
        return new BertConfig
        {
            Family = family,
            VocabularySize = ConfigJson.Required(json, "vocab_size", source),
            MaxPositions = ConfigJson.Required(json, "max_position_embeddings", source),
            TypeVocabularySize = json["type_vocab_size"]?.GetValue<int>() ?? 2,
            Layers = ConfigJson.Required(json, "num_hidden_layers", source),
            Heads = ConfigJson.Required(json, "num_attention_heads", source),
            Width = ConfigJson.Required(json, "hidden_size", source),
            IntermediateWidth = ConfigJson.Required(json, "intermediate_size", source),
            Dropout = json["hidden_dropout_prob"]?.GetValue<double>() ?? 0.1,
            LayerNormEpsilon = json["layer_norm_eps"]?.GetValue<double>() ?? defaultEpsilon,
            PaddingId = json["pad_token_id"]?.GetValue<int>() ?? defaultPadding,
            TanhGelu = tanhGelu,
        };
    }

    public static JsonObject WriteBertFields(BertConfig config, string architecture, string modelType) => new()
    {
        ["architectures"] = new JsonArray(architecture),
        ["model_type"] = modelType,
        ["vocab_size"] = config.VocabularySize,
        ["max_position_embeddings"] = config.MaxPositions,
        ["type_vocab_size"] = config.TypeVocabularySize,
        ["num_hidden_layers"] = config.Layers,
        ["num_attention_heads"] = config.Heads,
        ["hidden_size"] = config.Width,
        ["intermediate_size"] = config.IntermediateWidth,
        ["hidden_act"] = config.TanhGelu ? "gelu_new" : "gelu",
        ["hidden_dropout_prob"] = config.Dropout,
        ["attention_probs_dropout_prob"] = config.Dropout,
        ["layer_norm_eps"] = config.LayerNormEpsilon,
        ["pad_token_id"] = config.PaddingId,
    };

    /// <summary>ELECTRA's and ALBERT's embedding_size, which transformers defaults to 128; null when it equals the width.</summary>
    public static int? ReadEmbeddingWidth(JsonObject json, int width)
    {
        int embeddingWidth = json["embedding_size"]?.GetValue<int>() ?? 128;
        return embeddingWidth == width ? null : embeddingWidth;
    }

    public static void RequireGelu(string? activation, string key, string source)
    {
        if ((activation ?? "gelu") != "gelu")
            throw new InvalidDataException($"'{source}' uses {key} '{activation}'; only BERT's exact GELU ('gelu') is supported.");
    }
}
