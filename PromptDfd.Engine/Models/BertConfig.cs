using System.Text.Json.Nodes;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Models;

/// <summary>
/// Which Hugging Face architecture an encoder's checkpoint uses. DistilBERT is BERT without token types, with ReLU
/// instead of tanh on its [CLS] dense layer and its own parameter names; RoBERTa is BERT whose positions start after
/// its padding id, with a byte-level BPE tokenizer. ELECTRA is BERT whose token embeddings may be narrower than its
/// layers (projected up before the first layer), with GELU instead of tanh on its [CLS] dense layer. XLM-RoBERTa is
/// RoBERTa with a multilingual SentencePiece tokenizer. ALBERT is BERT with ELECTRA's narrow embeddings and one layer
/// whose weights every layer shares, usually with GPT-2's tanh GELU. DeBERTa-v2/v3 is BERT whose attention adds
/// disentangled relative-position terms (content-to-position and position-to-content, over log-spaced distance
/// buckets) and whose [CLS] dense layer uses GELU; v3 has no absolute position embeddings.
/// </summary>
public enum EncoderFamily { Bert, DistilBert, Roberta, Electra, XlmRoberta, Albert, DebertaV2 }

/// <summary>Shape of a BERT-family encoder: BERT (and MiniLM and other models in its layout), DistilBERT, RoBERTa, XLM-RoBERTa, ELECTRA,
/// ALBERT and DeBERTa-v2/v3.</summary>
public sealed record BertConfig
{
    /// <summary>The model_type values this config reads: the Hugging Face encoders whose checkpoints load here.</summary>
    public static IReadOnlyList<string> ModelTypes { get; } = ["bert", "distilbert", "roberta", "xlm-roberta", "electra", "albert",
        "deberta-v2"];

    public EncoderFamily Family { get; init; } = EncoderFamily.Bert;
    public int VocabularySize { get; init; } = 8000;
    public int MaxPositions { get; init; } = 128;
    /// <summary>0 for an encoder without token-type embeddings (DistilBERT).</summary>
    public int TypeVocabularySize { get; init; } = 2;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int Width { get; init; } = 128;
    /// <summary>ELECTRA's token embeddings can be narrower than its layers (electra-small: 128 into 256); null when they are as
    /// wide.</summary>
    public int? EmbeddingWidth { get; init; }
    public int IntermediateWidth { get; init; } = 512;
    public double Dropout { get; init; } = 0.1;
    public double LayerNormEpsilon { get; init; } = 1e-12;
    /// <summary>GELU's tanh approximation (hidden_act "gelu_new", as albert-base-v2 uses) instead of the exact one.</summary>
    public bool TanhGelu { get; init; }
    public int PaddingId { get; init; }

    /// <summary>Whether tokens get absolute position embeddings; DeBERTa-v3 (position_biased_input false) has none.</summary>
    public bool AbsolutePositions { get; init; } = true;
    /// <summary>DeBERTa's relative distances: log-spaced buckets beyond half this many (position_buckets); 0 for plain clipping.</summary>
    public int PositionBuckets { get; init; }
    /// <summary>DeBERTa's largest relative distance (max_relative_positions; the position table's size when unset).</summary>
    public int MaxRelativePositions { get; init; }
    /// <summary>DeBERTa's content-to-position ("c2p") and position-to-content ("p2c") attention terms.</summary>
    public bool ContentToPosition { get; init; }
    public bool PositionToContent { get; init; }
    /// <summary>DeBERTa normalises its relative-position embeddings with a LayerNorm (norm_rel_ebd "layer_norm").</summary>
    public bool NormalizesRelativeEmbeddings { get; init; }

    public bool HasRelativeAttention => Family == EncoderFamily.DebertaV2;

    /// <summary>How many relative-position rows each side of zero DeBERTa's attention reads (its att_span).</summary>
    public int RelativeSpan => PositionBuckets > 0 ? PositionBuckets : MaxRelativePositions;

    /// <summary>ALBERT runs one layer's weights <see cref="Layers"/> times.</summary>
    public bool SharesLayers => Family == EncoderFamily.Albert;

    /// <summary>RoBERTa's network and names, which XLM-RoBERTa shares.</summary>
    public bool IsRobertaLike => Family is EncoderFamily.Roberta or EncoderFamily.XlmRoberta;

    /// <summary>RoBERTa numbers positions from its padding id + 1 (2), so its first two position rows are never used.</summary>
    public int PositionOffset => IsRobertaLike ? PaddingId + 1 : 0;

    /// <summary>Width of the token, position and type embeddings; ELECTRA projects them up to <see cref="Width"/> when narrower.</summary>
    public int TokenWidth => EmbeddingWidth ?? Width;

    /// <summary>The longest sequence, special tokens included, that the position table covers.</summary>
    public int ContextLength => MaxPositions - PositionOffset;

    public void Validate()
    {
        var problems = new List<string>();
        if (VocabularySize < 2) problems.Add($"VocabularySize must be at least 2 (got {VocabularySize})");
        if (ContextLength < 2) problems.Add($"MaxPositions must leave at least 2 positions after the offset of {PositionOffset} (got " +
            $"{MaxPositions})");
        if (TypeVocabularySize < 0) problems.Add($"TypeVocabularySize must be 0 or more (got {TypeVocabularySize})");
        if (Family == EncoderFamily.DistilBert
            && TypeVocabularySize != 0) problems.Add($"DistilBERT has no token-type embeddings; TypeVocabularySize must be 0 (got " +
                $"{TypeVocabularySize})");
        if (EmbeddingWidth is < 1) problems.Add($"EmbeddingWidth must be positive (got {EmbeddingWidth})");
        if (EmbeddingWidth is not null
            && Family is not (EncoderFamily.Electra or EncoderFamily.Albert)) problems.Add($"Only ELECTRA and ALBERT have embeddings " +
                $"narrower or wider than their layers; leave EmbeddingWidth unset for {Family}");
        if (Layers < 1) problems.Add($"Layers must be at least 1 (got {Layers})");
        if (Heads < 1 || Width % Math.Max(Heads, 1) != 0) problems.Add($"Width ({Width}) must be a positive multiple of Heads ({Heads})");
        if (IntermediateWidth < 1) problems.Add($"IntermediateWidth must be positive (got {IntermediateWidth})");
        if (Dropout is < 0 or >= 1) problems.Add($"Dropout must be in [0, 1) (got {Dropout})");
        if (PaddingId < 0 || PaddingId >= VocabularySize) problems.Add($"PaddingId {PaddingId} is outside the vocabulary of " +
            $"{VocabularySize}");
        if (HasRelativeAttention
            && MaxRelativePositions < 1) problems.Add($"MaxRelativePositions must be at least 1 (got {MaxRelativePositions})");
        if (HasRelativeAttention
            && PositionBuckets is < 0 or 1) problems.Add($"PositionBuckets must be 0 (none) or at least 2 (got {PositionBuckets})");
        if (!HasRelativeAttention && (PositionBuckets != 0 || ContentToPosition
            || PositionToContent)) problems.Add($"Relative-position settings are DeBERTa's; {Family} has none");
        ConfigProblems.ThrowIfAny("BERT", problems);
    }

    /// <summary>Whether a config.json's model_type is an encoder this config reads.</summary>
    public static bool IsEncoder(JsonObject json) => ModelTypes.Contains(json["model_type"]?.GetValue<string>() ?? "");

    public JsonObject ToHuggingFace() => Family switch
    {
        EncoderFamily.DistilBert => DistilBertJson(),
        EncoderFamily.Roberta => BertJson("RobertaForSequenceClassification", "roberta"),
        EncoderFamily.XlmRoberta => BertJson("XLMRobertaForSequenceClassification", "xlm-roberta"),
        EncoderFamily.Electra => ElectraJson(),
        EncoderFamily.Albert => AlbertJson(),
        EncoderFamily.DebertaV2 => DebertaV2Json(),
        _ => BertJson("BertForSequenceClassification", "bert"),
    };

    private JsonObject BertJson(string architecture, string modelType) => new()
    {
        ["architectures"] = new JsonArray(architecture),
        ["model_type"] = modelType,
        ["vocab_size"] = VocabularySize,
        ["max_position_embeddings"] = MaxPositions,
        ["type_vocab_size"] = TypeVocabularySize,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["hidden_size"] = Width,
        ["intermediate_size"] = IntermediateWidth,
        ["hidden_act"] = TanhGelu ? "gelu_new" : "gelu",
        ["hidden_dropout_prob"] = Dropout,
        ["attention_probs_dropout_prob"] = Dropout,
        ["layer_norm_eps"] = LayerNormEpsilon,
        ["pad_token_id"] = PaddingId,
    };

    private JsonObject ElectraJson()
    {
        JsonObject json = BertJson("ElectraForSequenceClassification", "electra");
        json["embedding_size"] = TokenWidth;
        return json;
    }

    private JsonObject AlbertJson()
    {
        JsonObject json = BertJson("AlbertForSequenceClassification", "albert");
        json["embedding_size"] = TokenWidth;
        json["num_hidden_groups"] = 1;
        json["inner_group_num"] = 1;
        json["classifier_dropout_prob"] = Dropout;
        return json;
    }

    private JsonObject DebertaV2Json()
    {
        JsonObject json = BertJson("DebertaV2ForSequenceClassification", "deberta-v2");
        json["relative_attention"] = true;
        json["max_relative_positions"] = MaxRelativePositions;
        json["position_buckets"] = PositionBuckets > 0 ? PositionBuckets : -1;
        json["pos_att_type"] = new JsonArray([.. new[] { ("p2c", PositionToContent), ("c2p", ContentToPosition) }.Where(t =>
            t.Item2).Select(t => (JsonNode)t.Item1)]);
        json["share_att_key"] = true;
        json["norm_rel_ebd"] = NormalizesRelativeEmbeddings ? "layer_norm" : "none";
        json["position_biased_input"] = AbsolutePositions;
        json["pooler_hidden_size"] = Width;
        json["pooler_hidden_act"] = "gelu";
        json["pooler_dropout"] = 0;
        return json;
    }

    private JsonObject DistilBertJson() => new()
    {
        ["architectures"] = new JsonArray("DistilBertForSequenceClassification"),
        ["model_type"] = "distilbert",
        ["vocab_size"] = VocabularySize,
        ["max_position_embeddings"] = MaxPositions,
        ["sinusoidal_pos_embds"] = false,
        ["n_layers"] = Layers,
        ["n_heads"] = Heads,
        ["dim"] = Width,
        ["hidden_dim"] = IntermediateWidth,
        ["activation"] = "gelu",
        ["dropout"] = Dropout,
        ["attention_dropout"] = Dropout,
        ["seq_classif_dropout"] = Dropout,
        ["pad_token_id"] = PaddingId,
    };

    public static BertConfig FromHuggingFace(JsonObject json, string source)
    {
        string modelType = json["model_type"]?.GetValue<string>() ?? "";
        BertConfig config = modelType switch
        {
            "bert" => FromBertJson(json, source),
            // RoBERTa's defaults differ from BERT's where its config.json may leave them out.
            "roberta" => FromBertJson(json, source, defaultPadding: 1, defaultEpsilon: 1e-5) with { Family = EncoderFamily.Roberta },
            "xlm-roberta" => FromBertJson(json, source, defaultPadding: 1, defaultEpsilon: 1e-5) with { Family = EncoderFamily.XlmRoberta },
            "distilbert" => FromDistilBertJson(json, source),
            "electra" => FromElectraJson(json, source),
            "albert" => FromAlbertJson(json, source),
            "deberta-v2" => FromDebertaV2Json(json, source),
            _ => throw new InvalidDataException($"'{source}' describes a '{modelType}' model; the encoder loader reads BERT-layout " +
                $"models (model_type \"bert\"), DistilBERT (\"distilbert\"), RoBERTa (\"roberta\"), XLM-RoBERTa (\"xlm-roberta\"), " +
                    $"ELECTRA (\"electra\"), ALBERT (\"albert\") and DeBERTa-v2/v3 (\"deberta-v2\")."),
        };
        config.Validate();
        return config;
    }

    private static BertConfig FromBertJson(JsonObject json, string source, int defaultPadding = 0, double defaultEpsilon = 1e-12,
        bool tanhGeluAllowed = false)
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
            VocabularySize = GptConfig.Required(json, "vocab_size", source),
            MaxPositions = GptConfig.Required(json, "max_position_embeddings", source),
            TypeVocabularySize = json["type_vocab_size"]?.GetValue<int>() ?? 2,
            Layers = GptConfig.Required(json, "num_hidden_layers", source),
            Heads = GptConfig.Required(json, "num_attention_heads", source),
            Width = GptConfig.Required(json, "hidden_size", source),
            IntermediateWidth = GptConfig.Required(json, "intermediate_size", source),
            Dropout = json["hidden_dropout_prob"]?.GetValue<double>() ?? 0.1,
            LayerNormEpsilon = json["layer_norm_eps"]?.GetValue<double>() ?? defaultEpsilon,
            PaddingId = json["pad_token_id"]?.GetValue<int>() ?? defaultPadding,
            TanhGelu = tanhGelu,
        };
    }

    // ELECTRA's config defaults embedding_size to 128 when the file leaves it out, as transformers does.
    private static BertConfig FromElectraJson(JsonObject json, string source)
    {
        BertConfig config = FromBertJson(json, source) with { Family = EncoderFamily.Electra };
        int embeddingWidth = json["embedding_size"]?.GetValue<int>() ?? 128;
        return config with { EmbeddingWidth = embeddingWidth == config.Width ? null : embeddingWidth };
    }

    // Every released ALBERT has one group of one layer; more would need weights this network does not have.
    private static BertConfig FromAlbertJson(JsonObject json, string source)
    {
        foreach (string key in new[] { "num_hidden_groups", "inner_group_num" })
        {
            int value = json[key]?.GetValue<int>() ?? 1;
            if (value != 1) throw new InvalidDataException($"'{source}' sets {key} = {value}; only ALBERT's one shared layer ({key} = 1) " +
                $"is supported.");
        }
        BertConfig config = FromBertJson(json, source, tanhGeluAllowed: true) with { Family = EncoderFamily.Albert };
        int embeddingWidth = json["embedding_size"]?.GetValue<int>() ?? 128;
        return config with { EmbeddingWidth = embeddingWidth == config.Width ? null : embeddingWidth };
    }

    // DeBERTa-v2's defaults are transformers' DebertaV2Config's. Variants that need weights or arithmetic this network does
    // not have (separate position projections, a convolution after the first layer, other widths) are refused by name.
    private static BertConfig FromDebertaV2Json(JsonObject json, string source)
    {
        int width = GptConfig.Required(json, "hidden_size", source), heads = GptConfig.Required(json, "num_attention_heads", source);
        void Refuse(string key, string value, string supported) =>
            throw new InvalidDataException($"'{source}' sets {key} = {value}; only {supported} is supported for DeBERTa.");
        if (json["relative_attention"]?.GetValue<bool>() != true) Refuse("relative_attention", json["relative_attention"]?.ToJsonString()
            ?? "false (its default)", "relative attention (true), as every released DeBERTa-v2/v3 has");
        if (json["share_att_key"]?.GetValue<bool>() != true) Refuse("share_att_key", json["share_att_key"]?.ToJsonString()
            ?? "false (its default)", "position projections shared with the content ones (true)");
        if ((json["conv_kernel_size"]?.GetValue<int>() ?? 0) > 0) Refuse("conv_kernel_size", json["conv_kernel_size"]!.ToJsonString(),
            "no convolution layer (0, as in v3)");
        foreach (string key in new[] { "embedding_size", "pooler_hidden_size" })
            if (json[key] is { } value && value.GetValue<int>() != width) Refuse(key, value.ToJsonString(), $"the hidden size ({width})");
        if (json["attention_head_size"] is { } headSize && headSize.GetValue<int>() * heads != width) Refuse("attention_head_size",
            headSize.ToJsonString(), $"hidden_size / num_attention_heads ({width / Math.Max(heads, 1)})");
        RequireGelu(json["pooler_hidden_act"]?.GetValue<string>(), "pooler_hidden_act", source);
        var attentionTypes = (json["pos_att_type"] switch
        {
            JsonArray list => list.Select(item => item?.GetValue<string>() ?? ""),
            JsonValue text => text.GetValue<string>().Split('|'),
            _ => [],
        }).Select(type => type.Trim().ToLowerInvariant()).Where(type => type.Length > 0).ToList();
        string? unknown = attentionTypes.FirstOrDefault(type => type is not ("c2p" or "p2c"));
        if (unknown is not null) Refuse("pos_att_type", $"'{unknown}'", "c2p and p2c");
        string normalisation = json["norm_rel_ebd"]?.GetValue<string>() ?? "none";
        BertConfig config = FromBertJson(json, source, defaultEpsilon: 1e-7) with
        {
            Family = EncoderFamily.DebertaV2,
            TypeVocabularySize = json["type_vocab_size"]?.GetValue<int>() ?? 0,
            AbsolutePositions = json["position_biased_input"]?.GetValue<bool>() ?? true,
            PositionBuckets = Math.Max(0, json["position_buckets"]?.GetValue<int>() ?? -1),
            ContentToPosition = attentionTypes.Contains("c2p"),
            PositionToContent = attentionTypes.Contains("p2c"),
            NormalizesRelativeEmbeddings = normalisation.Split('|').Any(part => part.Trim() == "layer_norm"),
        };
        int maxRelative = json["max_relative_positions"]?.GetValue<int>() ?? -1;
        return config with { MaxRelativePositions = maxRelative < 1 ? config.MaxPositions : maxRelative };
    }

    // DistilBERT's LayerNorms use BERT's epsilon, fixed in its code rather than its config.
    private static BertConfig FromDistilBertJson(JsonObject json, string source)
    {
        RequireGelu(json["activation"]?.GetValue<string>(), "activation", source);
        return new BertConfig
        {
            Family = EncoderFamily.DistilBert,
            VocabularySize = GptConfig.Required(json, "vocab_size", source),
            MaxPositions = GptConfig.Required(json, "max_position_embeddings", source),
            TypeVocabularySize = 0,
            Layers = GptConfig.Required(json, "n_layers", source),
            Heads = GptConfig.Required(json, "n_heads", source),
            Width = GptConfig.Required(json, "dim", source),
            IntermediateWidth = GptConfig.Required(json, "hidden_dim", source),
            Dropout = json["dropout"]?.GetValue<double>() ?? 0.1,
            PaddingId = json["pad_token_id"]?.GetValue<int>() ?? 0,
        };
    }

    private static void RequireGelu(string? activation, string key, string source)
    {
        if ((activation ?? "gelu") != "gelu")
            throw new InvalidDataException($"'{source}' uses {key} '{activation}'; only BERT's exact GELU ('gelu') is supported.");
    }
}
