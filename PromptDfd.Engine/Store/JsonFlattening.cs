using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Store;

/// <summary>A JSON document as "Path.To.Key" = value pairs: how configs are filtered, diffed and overridden by key.</summary>
public static class JsonFlattening
{
    public static SortedDictionary<string, string> Flatten(string json)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(JsonNode.Parse(json), "", result);
        return result;
    }

    private static void Walk(JsonNode? node, string prefix, SortedDictionary<string, string> result)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj) Walk(child, prefix.Length == 0 ? key : $"{prefix}.{key}", result);
                break;
            case JsonValue value when value.TryGetValue(out string? text):
                result[prefix] = text;
                break;
            default:
                result[prefix] = node?.ToJsonString() ?? "null";
                break;
        }
    }
}
