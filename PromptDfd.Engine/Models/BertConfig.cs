using PromptDfd.Engine.Infrastructure;
using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models;

/// <summary>Shape of a BERT-family encoder (BERT, MiniLM and other models with Hugging Face's BERT layout).</summary>
public sealed record BertConfig
{
    public int VocabularySize { get; init; } = 8000;
    public int MaxPositions { get; init; } = 128;
    public int TypeVocabularySize { get; init; } = 2;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int Width { get; init; } = 128;
    public int IntermediateWidth { get; init; } = 512;
    public double Dropout { get; init; } = 0.1;
    public double LayerNormEpsilon { get; init; } = 1e-12;
    public int PaddingId { get; init; }

    public void Validate()
    {
        var problems = new List<string>();
        if (VocabularySize < 2) problems.Add($"VocabularySize must be at least 2 (got {VocabularySize})");
        if (MaxPositions < 2) problems.Add($"MaxPositions must be at least 2 (got {MaxPositions})");
        if (Layers < 1) problems.Add($"Layers must be at least 1 (got {Layers})");
        if (Heads < 1 || Width % Math.Max(Heads, 1) != 0) problems.Add($"Width ({Width}) must be a positive multiple of Heads ({Heads})");
        if (IntermediateWidth < 1) problems.Add($"IntermediateWidth must be positive (got {IntermediateWidth})");
        if (Dropout is < 0 or >= 1) problems.Add($"Dropout must be in [0, 1) (got {Dropout})");
        if (PaddingId < 0 || PaddingId >= VocabularySize) problems.Add($"PaddingId {PaddingId} is outside the vocabulary of {VocabularySize}");
        ConfigProblems.ThrowIfAny("BERT", problems);
    }

    public JsonObject ToHuggingFace() => new()
    {
        ["architectures"] = new JsonArray("BertForSequenceClassification"),
        ["model_type"] = "bert",
        ["vocab_size"] = VocabularySize,
        ["max_position_embeddings"] = MaxPositions,
        ["type_vocab_size"] = TypeVocabularySize,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["hidden_size"] = Width,
        ["intermediate_size"] = IntermediateWidth,
        ["hidden_act"] = "gelu",
        ["hidden_dropout_prob"] = Dropout,
        ["attention_probs_dropout_prob"] = Dropout,
        ["layer_norm_eps"] = LayerNormEpsilon,
        ["pad_token_id"] = PaddingId,
    };

    public static BertConfig FromHuggingFace(JsonObject json, string source)
    {
        string modelType = json["model_type"]?.GetValue<string>() ?? "";
        if (modelType != "bert")
        {
            throw new InvalidDataException($"'{source}' describes a '{modelType}' model; the encoder loader reads BERT-layout models (model_type \"bert\").");
        }
        string activation = json["hidden_act"]?.GetValue<string>() ?? "gelu";
        if (activation != "gelu")
        {
            throw new InvalidDataException($"'{source}' uses activation '{activation}'; only BERT's exact GELU ('gelu') is supported.");
        }
        var config = new BertConfig
        {
            VocabularySize = GptConfig.Required(json, "vocab_size", source),
            MaxPositions = GptConfig.Required(json, "max_position_embeddings", source),
            TypeVocabularySize = json["type_vocab_size"]?.GetValue<int>() ?? 2,
            Layers = GptConfig.Required(json, "num_hidden_layers", source),
            Heads = GptConfig.Required(json, "num_attention_heads", source),
            Width = GptConfig.Required(json, "hidden_size", source),
            IntermediateWidth = GptConfig.Required(json, "intermediate_size", source),
            Dropout = json["hidden_dropout_prob"]?.GetValue<double>() ?? 0.1,
            LayerNormEpsilon = json["layer_norm_eps"]?.GetValue<double>() ?? 1e-12,
            PaddingId = json["pad_token_id"]?.GetValue<int>() ?? 0,
        };
        config.Validate();
        return config;
    }
}
