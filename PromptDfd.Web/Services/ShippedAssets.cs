using Microsoft.Extensions.Options;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Runs;

namespace PromptDfd.Web.Services;

public sealed record TaskSummary(string Name, string StandsInFor, IReadOnlyList<string> Labels, int Train, int Dev, int Test, string Card,
    string? Error);

/// <param name="IsEncoder">a BERT-family encoder (BERT, DistilBERT, RoBERTa or ELECTRA layout), which a teacher can be fine-tuned
/// from</param>
public sealed record ModelSummary(string Name, string Kind, string Architecture, string Card, string Folder, bool IsEncoder = false);

/// <summary>Finds the tasks and checkpoints on disk (shipped or made by users) for the dashboard's pages.</summary>
public sealed class ShippedAssets(IOptions<DashboardOptions> options)
{
    // Loading a task reads and validates all its splits; pages ask often, the files rarely change.
    private readonly Dictionary<string, (DateTime Stamp, TaskSummary Summary)> taskCache = new();

    public IReadOnlyList<TaskSummary> Tasks()
    {
        lock (taskCache)
        {
            return options.Value.Workspace().TaskFolders().Select(folder =>
            {
                DateTime stamp = Directory.EnumerateFiles(folder).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty().Max();
                if (taskCache.TryGetValue(folder, out var cached) && cached.Stamp == stamp) return cached.Summary;
                TaskSummary summary = Summarise(folder);
                taskCache[folder] = (stamp, summary);
                return summary;
            }).ToList();
        }
    }

    /// <summary>
    /// The task a run starts on when nobody chose one: the engine's default (sentiment) when it is here and readable,
    /// otherwise the first readable task, so a store with only users' own tasks still has a one-click start.
    /// </summary>
    public string? DefaultTask()
    {
        var readable = Tasks().Where(t => t.Error is null).Select(t => t.Name).ToList();
        string preferred = new Engine.Runs.RunConfig().Task;
        return readable.Contains(preferred) ? preferred : readable.FirstOrDefault();
    }

    /// <summary>A preset's run as the dashboard starts it: seed 1, on the device the dashboard is set to (Dashboard:Device).</summary>
    public Engine.Runs.RunConfig NewRun(string preset, string task) => Engine.Runs.RunPresets.Create(preset, task, 1) with
    {
        Device = options.Value.Device
    };

    private static TaskSummary Summarise(string folder)
    {
        string card = ReadCard(folder);
        try
        {
            TaskDataset task = TaskDataset.Load(folder);
            return new TaskSummary(task.Name, task.Info.StandsInFor, task.Labels, task.Splits.Train.Count, task.Splits.Dev.Count,
                task.Splits.Test.Count, card, null);
        }
        catch (Exception error) when (error is InvalidDataException or FileNotFoundException or System.Text.Json.JsonException)
        {
            return new TaskSummary(Path.GetFileName(folder), "", [], 0, 0, 0, card, error.Message);
        }
    }

    public IReadOnlyList<ModelSummary> Models()
    {
        // Shipped models are named from the models folder (teachers/sentiment); users' teachers from the repository root
        // (workspace/teachers/reviews), so the two never read alike.
        Workspace workspace = options.Value.Workspace();
        IEnumerable<(string Folder, string Name)> In(string root, string nameFrom) => Directory.Exists(root)
            ? Directory.EnumerateFiles(root, Checkpoint.ConfigFile, SearchOption.AllDirectories).Select(Path.GetDirectoryName)
                .Select(folder => (folder!, Path.GetRelativePath(nameFrom, folder!).Replace('\\', '/')))
            : [];
        return In(workspace.Models, workspace.Models).Concat(In(Path.Combine(workspace.User, "teachers"), workspace.Root))
            .Select(found =>
            {
                var config = Checkpoint.ReadConfig(found.Folder);
                string kind = config[Checkpoint.OwnSection]?["kind"]?.GetValue<string>() ?? "checkpoint";
                string architecture = config["architectures"]?[0]?.GetValue<string>() ?? config["model_type"]?.GetValue<string>() ?? "?";
                return new ModelSummary(found.Name, kind, architecture, ReadCard(found.Folder), found.Folder, BertConfig.IsEncoder(config));
            })
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A prior's architecture (the run config's PriorFolder), so the form can check prompt and content lengths against its
    /// context.</summary>
    public GptConfig? PriorConfig(string priorFolder)
    {
        string folder = options.Value.Resolve(priorFolder);
        try { return GptConfig.FromHuggingFace(Checkpoint.ReadConfig(folder), Path.Combine(folder, Checkpoint.ConfigFile)); }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or InvalidDataException) { return null; }
    }

    /// <summary>Language-model checkpoints (generators for the playground).</summary>
    public IReadOnlyList<ModelSummary> LanguageModels() => Models().Where(m =>
        m.Kind == "language-model" || m.Architecture == "GPT2LMHeadModel").ToList();

    /// <summary>The language models a run can generate with, named as a run config names them (see <see cref="RunFolderName"/>).</summary>
    public IReadOnlyList<string> PriorChoices() => LanguageModels().Select(m => RunFolderName(m.Folder)).ToList();

    /// <summary>Classifier checkpoints under the models folder: ours and Hugging Face sequence classifiers (GPT-2 or BERT
    /// layout).</summary>
    public IReadOnlyList<ModelSummary> Classifiers() =>
        Models().Where(m => m.Kind == "classifier" || m.Architecture.EndsWith("ForSequenceClassification",
            StringComparison.Ordinal)).ToList();

    /// <summary>What a teacher can be fine-tuned from: language models (the prior's GPT body) and BERT-family checkpoints (their
    /// encoder).</summary>
    public IReadOnlyList<ModelSummary> TeacherBases() =>
        LanguageModels().Concat(Models().Where(m => m.IsEncoder)).ToList();

    /// <summary>The classifiers a run can distil, named as a run config names them.</summary>
    public IReadOnlyList<string> TeacherChoices() => Classifiers().Select(m => RunFolderName(m.Folder)).ToList();

    /// <summary>Relative to the repository root when inside it, as run configs store model folders; absolute otherwise.</summary>
    private string RunFolderName(string folder)
    {
        string relative = Path.GetRelativePath(options.Value.Root(), folder);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? folder : relative.Replace('\\', '/');
    }

    /// <summary>Our card.md; for a Hugging Face download, which has none, the model card it came with (README.md).</summary>
    private static string ReadCard(string folder)
    {
        foreach (string name in new[] { Checkpoint.CardFile, "README.md" })
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path)) return File.ReadAllText(path);
        }
        return "";
    }
}
