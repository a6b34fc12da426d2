using System.Text.Json;
using System.Text.Json.Nodes;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Run configs as flat "Path.To.Key" = value pairs: overriding one key from the command line or a form
/// (values are JSON literals or plain strings), and flattening a config for filtering and diffing by key.
/// </summary>
public static class ConfigOverrides
{
    public static RunConfig Apply(RunConfig config, IEnumerable<string> assignments)
    {
        JsonNode root = JsonNode.Parse(config.ToJson())!;
        foreach (string assignment in assignments)
        {
            int equals = assignment.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"'{assignment}' is not key=value (e.g. Training.Schedule.Steps=100).");
            Set(root, assignment[..equals].Trim(), assignment[(equals + 1)..]);
        }
        RunConfig result = RunConfig.FromJson(root.ToJsonString(), "config after overrides");
        result.Validate();
        return result;
    }

    public static void Set(JsonNode root, string path, string value)
    {
        string[] keys = path.Split('.');
        JsonObject current = root.AsObject();
        var spelled = new List<string>();
        for (int i = 0; i < keys.Length; i++)
        {
            string? actual = current.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, keys[i], StringComparison.OrdinalIgnoreCase));
            if (actual is null)
                throw new ArgumentException($"Unknown config key '{string.Join('.', keys[..(i + 1)])}'; keys here are " +
                    $"{string.Join(", ", current.Select(p => p.Key))}.");
            spelled.Add(actual);
            if (i == keys.Length - 1)
            {
                current[actual] = ParseValue(string.Join('.', spelled), value, current[actual]);
                return;
            }
            current = current[actual] as JsonObject
                ?? throw new ArgumentException($"Config key '{string.Join('.', keys[..(i + 1)])}' is a value, not a section.");
        }
    }

    private static JsonNode? ParseValue(string path, string value, JsonNode? existing)
    {
        if (existing is JsonValue existingValue && existingValue.TryGetValue(out string? _)) return JsonValue.Create(value);
        JsonNode? parsed;
        try { parsed = JsonNode.Parse(value); }
        catch (JsonException) { parsed = JsonValue.Create(value); }
        // Caught here so the message names the key and the value; the serializer would name only a byte offset.
        JsonValueKind expected = existing?.GetValueKind() ?? JsonValueKind.Null, got = parsed?.GetValueKind() ?? JsonValueKind.Null;
        if (expected == JsonValueKind.Number && got != JsonValueKind.Number)
            throw new ArgumentException($"{path} takes a number, not '{value}' (it is {existing!.ToJsonString()} now).");
        if (expected is JsonValueKind.True or JsonValueKind.False && got is not (JsonValueKind.True or JsonValueKind.False))
            throw new ArgumentException($"{path} takes true or false, not '{value}'.");
        return parsed;
    }

    /// <summary>Every leaf of the config as "Path.To.Key" = its JSON text (strings unquoted).</summary>
    public static SortedDictionary<string, string> Flatten(RunConfig config) => JsonFlattening.Flatten(config.ToJson());

}
