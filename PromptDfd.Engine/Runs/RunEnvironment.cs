namespace PromptDfd.Engine.Runs;

/// <summary>Where a run manager finds tasks and models (relative paths in configs resolve against <see cref="Root"/>) and keeps run folders.</summary>
public sealed record RunEnvironment(string Root, string RunsFolder, int Threads = 0, string? Tasks = null)
{
    public string TasksFolder => Tasks ?? Path.Combine(Root, "data", "tasks");
    public string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.Combine(Root, path);
    public string RunFolder(string runId) => Path.Combine(RunsFolder, runId);
}
