using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.HuggingFace;

/// <summary>Reading a Hugging Face config.json, shared by the GPT-2 and the encoder mappings.</summary>
internal static class ConfigJson
{
    public static int Required(JsonObject json, string key, string source) =>
        json[key]?.GetValue<int>() ?? throw new InvalidDataException($"'{source}' has no '{key}'; it is required to build the model.");
}
