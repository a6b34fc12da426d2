using System.Text.Json.Nodes;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models.HuggingFace;

namespace PromptDfd.Engine.Models;

/// <summary>
/// Shape of a GPT-2-layout decoder. Field names follow our style; <see cref="ToHuggingFace"/> and
/// <see cref="FromHuggingFace"/> translate to and from the config.json Hugging Face writes for GPT-2.
/// </summary>
public sealed record GptConfig
{
    public int VocabularySize { get; init; } = 8000;
    public int ContextLength { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int Width { get; init; } = 256;
    public double Dropout { get; init; }
    public double LayerNormEpsilon { get; init; } = 1e-5;

    public int HeadWidth => Width / Heads;

    public void Validate()
    {
        var problems = new List<string>();
        if (VocabularySize < 2) problems.Add($"VocabularySize must be at least 2 (got {VocabularySize})");
        if (ContextLength < 2) problems.Add($"ContextLength must be at least 2 (got {ContextLength})");
        if (Layers < 1) problems.Add($"Layers must be at least 1 (got {Layers})");
        if (Heads < 1 || Width < 1 || Width % Math.Max(Heads, 1) != 0)
            problems.Add($"Width ({Width}) must be a positive multiple of Heads ({Heads})");
        if (Dropout is < 0 or >= 1) problems.Add($"Dropout must be in [0, 1) (got {Dropout})");
        ConfigProblems.ThrowIfAny("GPT", problems);
    }

    /// <summary>Parameters in the model (embeddings tied with the output layer, as in GPT-2).</summary>
    public long ParameterCount()
    {
        long w = Width;
        long perBlock = 2 * 2 * w + (w * 3 * w + 3 * w) + (w * w + w) + (w * 4 * w + 4 * w) + (4 * w * w + w);
        return (long)VocabularySize * w + (long)ContextLength * w + Layers * perBlock + 2 * w;
    }

    public JsonObject ToHuggingFace(string architecture = "GPT2LMHeadModel") => new()
    {
        ["architectures"] = new JsonArray(architecture),
        ["model_type"] = "gpt2",
        ["vocab_size"] = VocabularySize,
        ["n_positions"] = ContextLength,
        ["n_ctx"] = ContextLength,
        ["n_embd"] = Width,
        ["n_layer"] = Layers,
        ["n_head"] = Heads,
        ["n_inner"] = null,
        ["activation_function"] = "gelu_new",
        ["layer_norm_epsilon"] = LayerNormEpsilon,
        ["resid_pdrop"] = Dropout,
        ["embd_pdrop"] = Dropout,
        ["attn_pdrop"] = Dropout,
        ["tie_word_embeddings"] = true,
    };

    public static GptConfig FromHuggingFace(JsonObject json, string source)
    {
        // A value of the wrong JSON type, or one out of range, is the file's fault: the message names the file.
        try { return Read(json, source); }
        catch (Exception error) when (error is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"'{source}' does not describe a usable GPT-2 model: {error.Message}", error);
        }
    }

    private static GptConfig Read(JsonObject json, string source)
    {
        string modelType = json["model_type"]?.GetValue<string>() ?? "";
        if (modelType != "gpt2")
        {
            throw new InvalidDataException($"'{source}' describes a '{modelType}' model; the GPT loader reads GPT-2-layout models " +
                $"(model_type \"gpt2\", e.g. gpt2, distilgpt2).");
        }
        int? inner = json["n_inner"]?.GetValue<int?>();
        int width = ConfigJson.Required(json, "n_embd", source);
        if (inner is not null && inner != 4 * width)
        {
            throw new InvalidDataException($"'{source}' sets n_inner = {inner}; only the standard 4 x n_embd = {4 * width} MLP is " +
                $"supported.");
        }
        string activation = json["activation_function"]?.GetValue<string>() ?? "gelu_new";
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh"))
        {
            throw new InvalidDataException($"'{source}' uses activation '{activation}'; only GPT-2's tanh GELU ('gelu_new') is supported.");
        }
        // Attention scaled other than by 1/sqrt(head width) would load without error and compute something else.
        if (json["scale_attn_weights"]?.GetValue<bool>() == false)
            throw new InvalidDataException($"'{source}' sets scale_attn_weights = false; only GPT-2's attention scaled by 1/sqrt(head " +
                $"width) is supported.");
        if (json["scale_attn_by_inverse_layer_idx"]?.GetValue<bool>() == true)
            throw new InvalidDataException($"'{source}' sets scale_attn_by_inverse_layer_idx = true; only GPT-2's attention scaled by " +
                $"1/sqrt(head width) is supported.");
        var config = new GptConfig
        {
            VocabularySize = ConfigJson.Required(json, "vocab_size", source),
            ContextLength = ConfigJson.Required(json, "n_positions", source),
            Layers = ConfigJson.Required(json, "n_layer", source),
            Heads = ConfigJson.Required(json, "n_head", source),
            Width = width,
            Dropout = json["resid_pdrop"]?.GetValue<double>() ?? 0,
            LayerNormEpsilon = json["layer_norm_epsilon"]?.GetValue<double>() ?? 1e-5,
        };
        config.Validate();
        return config;
    }
}
