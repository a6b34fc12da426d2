using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine;

/// <summary>
/// The one place that knows where models, tasks and runs live. Relative paths (in settings, configs and command-line
/// options) resolve against <see cref="Root"/>; the dashboard's Dashboard:* folders and the CLI's --root bind here.
/// </summary>
public sealed record Workspace(string Root)
{
    public string ModelsFolder { get; init; } = "models";
    public string TasksFolder { get; init; } = Path.Combine("data", "tasks");
    public string RunsFolder { get; init; } = "runs";
    /// <summary>The LiteDB run store; relative to the runs folder unless absolute.</summary>
    public string StoreFile { get; init; } = "promptdfd.db";
    /// <summary>Users' own tasks, their teachers and experiment reports: outside the tracked tree (git-ignored), so
    /// the shipped tasks and docs stay as shipped.</summary>
    public string UserFolder { get; init; } = "workspace";

    /// <summary>The repository this program runs from (the folder holding PromptDfd.sln), else the current folder.</summary>
    public static Workspace OfRepository() => new(RepositoryRoot.Find() ?? Directory.GetCurrentDirectory());

    public string Resolve(string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Root, path));

    public string Models => Resolve(ModelsFolder);
    public string Tasks => Resolve(TasksFolder);
    public string Runs => Resolve(RunsFolder);
    public string Store => Path.IsPathRooted(StoreFile) ? StoreFile : Path.Combine(Runs, StoreFile);
    /// <summary>Where the prior corpus and task sources are prepared (the data command).</summary>
    public string Data => Resolve("data");
    public string Docs => Resolve("docs");
    /// <summary>The prepared prior corpus (train/valid JSONL) the tokenizer and the prior are trained on.</summary>
    public string PriorCorpus => Path.Combine(Data, "prior");

    public string Prior => Path.Combine(Models, "prior");
    public string Tokenizer => Path.Combine(Models, "tokenizer");
    public string User => Resolve(UserFolder);
    public string UserTasks => Path.Combine(User, "tasks");

    /// <summary>A shipped task's folder, else a user's (registered or not yet).</summary>
    public string Task(string name) => IsShippedTask(name) ? Path.Combine(Tasks, name) : Path.Combine(UserTasks, name);

    /// <summary>A shipped task's teacher sits with the shipped models; a user task's in the user workspace. A teacher
    /// already in the shipped folder (from before there was a workspace) keeps being used there.</summary>
    public string Teacher(string task)
    {
        string shipped = Path.Combine(Models, "teachers", task);
        return IsShippedTask(task) || Directory.Exists(shipped) ? shipped : Path.Combine(User, "teachers", task);
    }

    /// <summary>Where an experiment on a user's task writes its report.</summary>
    public string Report(string task) => Path.Combine(User, "reports", task);

    // A name that cannot be a task's ('.', '..', full-width letters) never names a shipped folder, whatever exists on disk.
    public bool IsShippedTask(string name) => TaskNames.IsValid(name) && Directory.Exists(Path.Combine(Tasks, name));

    /// <summary>Every task folder: the shipped ones, then users' (a user task never shadows a shipped one).</summary>
    public IReadOnlyList<string> TaskFolders()
    {
        IEnumerable<string> In(string folder) =>
            Directory.Exists(folder) ? Directory.GetDirectories(folder).Order(StringComparer.Ordinal) : [];
        var shipped = In(Tasks).ToList();
        var names = shipped.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        return [.. shipped, .. In(UserTasks).Where(folder => !names.Contains(Path.GetFileName(folder)))];
    }
    public string RunFolder(string runId) => Path.Combine(Runs, runId);

    /// <summary>A path as a config records it: relative to the root when inside it, so a moved checkout still finds it.</summary>
    public string Relative(string path)
    {
        string relative = Path.GetRelativePath(Root, Resolve(path));
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Resolve(path)
            : relative.Replace('\\', '/');
    }
}
