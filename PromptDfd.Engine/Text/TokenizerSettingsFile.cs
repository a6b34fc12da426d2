using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Text;

/// <summary>
/// The true/false settings of a checkpoint's tokenizer_config.json (do_lower_case, strip_accents, keep_accents, ...),
/// read the same way for every tokenizer that has them: unset when the file or the key is absent or null, an error
/// naming the file and the key for anything but true or false.
/// </summary>
internal sealed class TokenizerSettingsFile
{
    private readonly JsonNode? settings;
    private readonly string path;

    private TokenizerSettingsFile(JsonNode? settings, string path) => (this.settings, this.path) = (settings, path);

    public static TokenizerSettingsFile Read(string folder)
    {
        string path = Path.Combine(folder, TokenizerFactory.SettingsFile);
        if (!File.Exists(path)) return new TokenizerSettingsFile(null, path);
        try { return new TokenizerSettingsFile(JsonNode.Parse(File.ReadAllText(path)), path); }
        catch (JsonException error) { throw new InvalidDataException($"'{path}' is not valid JSON: {error.Message}", error); }
    }

    public bool? Flag(string key) => settings?[key] is not { } node ? null : node.GetValueKind() switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new InvalidDataException($"'{path}': {key} must be true, false or null (found {node.ToJsonString()})."),
    };
}
