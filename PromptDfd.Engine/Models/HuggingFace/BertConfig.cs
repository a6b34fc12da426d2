using System.Text.Json.Nodes;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Models.HuggingFace;

/// <summary>Shape of a BERT-family encoder: BERT (and MiniLM and other models in its layout), DistilBERT, RoBERTa, XLM-RoBERTa, ELECTRA,
/// ALBERT and DeBERTa-v2/v3.</summary>
public sealed record BertConfig
{
    /// <summary>The model_type values this config reads: the Hugging Face encoders whose checkpoints load here.</summary>
    public static IReadOnlyList<string> ModelTypes => [.. EncoderFamily.All.Select(family => family.ModelType)];

    /// <summary>Which Hugging Face architecture the checkpoint uses: its config.json, weight names and where its network differs
    /// from BERT's.</summary>
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

    public bool HasRelativeAttention => Family.HasRelativeAttention;

    /// <summary>How many relative-position rows each side of zero DeBERTa's attention reads (its att_span).</summary>
    public int RelativeSpan => PositionBuckets > 0 ? PositionBuckets : MaxRelativePositions;

    /// <summary>ALBERT runs one layer's weights <see cref="Layers"/> times.</summary>
    public bool SharesLayers => Family.SharesLayers;

    /// <summary>RoBERTa numbers positions from its padding id + 1 (2), so its first two position rows are never used.</summary>
    public int PositionOffset => Family.NumbersPositionsAfterPadding ? PaddingId + 1 : 0;

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
        if (!Family.HasTokenTypes && TypeVocabularySize != 0) problems.Add($"{Family.Name} has no token-type embeddings; " +
            $"TypeVocabularySize must be 0 (got {TypeVocabularySize})");
        if (EmbeddingWidth is < 1) problems.Add($"EmbeddingWidth must be positive (got {EmbeddingWidth})");
        if (EmbeddingWidth is not null && !Family.MayHaveNarrowEmbeddings) problems.Add($"Only " +
            string.Join(" and ", EncoderFamily.All.Where(family => family.MayHaveNarrowEmbeddings).Select(family => family.Name)) +
            $" have embeddings narrower or wider than their layers; leave EmbeddingWidth unset for {Family.Name}");
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
            || PositionToContent)) problems.Add($"Relative-position settings are DeBERTa's; {Family.Name} has none");
        ConfigProblems.ThrowIfAny("BERT", problems);
    }

    /// <summary>Whether a config.json's model_type is an encoder this config reads.</summary>
    public static bool IsEncoder(JsonObject json) => ModelTypes.Contains(json["model_type"]?.GetValue<string>() ?? "");

    public JsonObject ToHuggingFace() => Family.WriteConfig(this);

    public static BertConfig FromHuggingFace(JsonObject json, string source)
    {
        string modelType = json["model_type"]?.GetValue<string>() ?? "";
        EncoderFamily family = EncoderFamily.ForModelType(modelType)
            ?? throw new InvalidDataException($"'{source}' describes a '{modelType}' model; the encoder loader reads " +
                string.Join(", ", EncoderFamily.All.Select(known => $"{known.Name} (model_type \"{known.ModelType}\")")) + ".");
        BertConfig config = family.ReadConfig(json, source);
        config.Validate();
        return config;
    }
}
