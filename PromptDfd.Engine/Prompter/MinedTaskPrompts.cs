using System.Text.Json;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using TorchSharp;

namespace PromptDfd.Engine.Prompter;

/// <summary>
/// A task without hand-written topic prompts gets them from its teacher once the teacher exists: the words the teacher
/// reads as each class, in the prompt forms, written to the task's prompts.json, where the user can read and edit them
/// before a run. Without this, fixed prompts and the prompter's warm start would read "This text is about 0:".
/// </summary>
public static class MinedTaskPrompts
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <returns>the prompts written, or null when the task already had its own</returns>
    public static Dictionary<string, string[]>? WriteIfMissing(string taskFolder, string priorFolder, string teacherFolder,
        torch.Device device, Action<string> log)
    {
        string path = Path.Combine(taskFolder, TopicPromptFile.FileName);
        if (File.Exists(path)) return null;
        TaskInfo task = TaskDataset.LoadInfo(taskFolder);
        LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(priorFolder, device);
        LoadedClassifier teacher = Checkpoint.LoadClassifier(teacherFolder, device);
        var batcher = new TextBatcher(teacher.Tokenizer, teacher.Classifier.ContextLength);
        var config = new PromptMiningConfig();
        var mined = TopicWordMiner.Mine(prior.Tokenizer, task.Labels.Count,
            texts => ClassifierInference.Probabilities(teacher.Module, batcher, texts), config);
        var prompts = TopicWordMiner.Prompts(task.Labels, mined, config);
        string staging = path + ".partial";
        File.WriteAllText(staging, JsonSerializer.Serialize(prompts, Indented));
        File.Move(staging, path, overwrite: true);
        log($"topic prompts mined from the teacher -> {path} (edit it to change them):");
        for (int c = 0; c < task.Labels.Count; c++)
            log($"  {task.Labels[c]}: " + (mined[c].Count > 0 ? string.Join(", ", mined[c].Take(8).Select(m => m.Word))
                : $"(the teacher reads no word as this class; its label stands in)"));
        return prompts;
    }
}
