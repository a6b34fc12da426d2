namespace PromptDfd.Engine.Runs;

/// <summary>Where a run manager finds tasks and models and keeps run folders (its <see cref="Workspace"/>), and its libtorch
/// threads.</summary>
public sealed record RunEnvironment(Workspace Workspace, int Threads = 0)
{
    public string Root => Workspace.Root;
    public string Resolve(string path) => Workspace.Resolve(path);
    public string RunFolder(string runId) => Workspace.RunFolder(runId);

    /// <summary>Folders that stand in for the config's (see <see cref="RunInputs"/>); null: the workspace's.</summary>
    public RunInputs? Inputs { get; init; }

    public string TaskFolder(RunConfig config) => Inputs?.Task ?? Workspace.Task(config.Task);

    /// <summary>The config's prior; an empty PriorFolder means the workspace's.</summary>
    public string PriorFolder(RunConfig config) => Inputs?.Prior
        ?? (config.PriorFolder.Length > 0 ? Resolve(config.PriorFolder) : Workspace.Prior);

    /// <summary>The config's teacher; an empty TeacherFolder means the task's own.</summary>
    public string TeacherFolder(RunConfig config) => Inputs?.Teacher
        ?? (config.TeacherFolder.Length > 0 ? Resolve(config.TeacherFolder) : Workspace.Teacher(config.Task));

    /// <summary>The language model the config's student starts from; null: the student starts from random weights.</summary>
    public string? StudentBodyFolder(RunConfig config) => config.StudentBodyFolder.Length == 0 ? null
        : Inputs?.StudentBody ?? Resolve(config.StudentBodyFolder);
}
