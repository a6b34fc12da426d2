using System.Text.Json;

namespace PromptDfd.Engine.Data;

/// <summary>
/// A task's hand-written, label-descriptive topic prompts (prompts.json next to task.json): the fixed-prompts
/// baseline uses them and PromptDFD starts its manual pool from them. Tasks without the file get a template prompt per class.
/// </summary>
public static class TopicPromptFile
{
    public const string FileName = "prompts.json";

    public static Dictionary<string, string[]> Load(TaskDataset task)
    {
        string? path = task.Folder is null ? null : Path.Combine(task.Folder, FileName);
        if (path is null || !File.Exists(path)) return task.Labels.ToDictionary(l => l, l => new[] { $"This text is about {l}:" });
        Dictionary<string, string[]> prompts;
        try
        {
            prompts = JsonSerializer.Deserialize<Dictionary<string, string[]>>(File.ReadAllText(path)) ?? [];
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON ({error.Message}); it must map each class label to a list of " +
                $"prompts.");
        }
        var unknown = prompts.Keys.Except(task.Labels).ToList();
        if (unknown.Count > 0) throw new InvalidDataException($"'{path}' has prompts for unknown classes {string.Join(", ", unknown)}; " +
            $"the task's classes are {string.Join(", ", task.Labels)}.");
        var missing = task.Labels.Where(l => !prompts.TryGetValue(l, out var p) || p.Length == 0).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"'{path}' has no prompt for {string.Join(", ", missing)}; give every " +
            $"class at least one.");
        return prompts;
    }
}
