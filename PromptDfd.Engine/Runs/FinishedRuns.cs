using System.Text.Json.Nodes;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>Finds a completed run that already answers a config, so experiments resume instead of repeating work.</summary>
public static class FinishedRuns
{
    /// <param name="config">a completed config (<see cref="RunBuilder.Complete"/>)</param>
    public static RunRecord? Matching(IEnumerable<RunRecord> runs, RunConfig config, RunEnvironment environment)
    {
        var wanted = Flatten(config.ToJson());
        foreach (string placement in PlacementSettings) wanted.Remove(placement);
        var inputs = RunBuilder.InputHashes(config, environment);
        // Compared as written when the run was made, not re-read with today's defaults: a setting that did not exist
        // then (a new option whose default changes what a run does) would otherwise make an old run look like a new
        // one. Settings since dropped are ignored. And by the hashes of what it read, so a retrained teacher or an
        // edited dataset is run again.
        return runs.FirstOrDefault(r => r.Status == RunStatus.Completed
                                        && Answers(Flatten(r.ConfigJson), wanted)
                                        && inputs.All(h => r.Hashes.GetValueOrDefault(h.Key) == h.Value));
    }

    /// <summary>Settings that say where a run executes, not what it computes.</summary>
    private static readonly string[] PlacementSettings = [nameof(RunConfig.WorkerKind)];

    private static bool Answers(Dictionary<string, string> stored, Dictionary<string, string> wanted) =>
        wanted.All(setting => stored.TryGetValue(setting.Key, out string? value) && value == setting.Value);

    /// <summary>Every leaf of a config's JSON by its dotted path (list items by index), as JSON text.</summary>
    private static Dictionary<string, string> Flatten(string json)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject obj when obj.Count > 0:
                    foreach (var (key, child) in obj) Walk(child, path.Length == 0 ? key : $"{path}.{key}");
                    break;
                case JsonArray array when array.Count > 0:
                    for (int i = 0; i < array.Count; i++) Walk(array[i], $"{path}[{i}]");
                    break;
                default:
                    leaves[path] = node?.ToJsonString() ?? "null";
                    break;
            }
        }
        Walk(JsonNode.Parse(json), "");
        return leaves;
    }
}
