using PromptDfd.Engine;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Web.Services;

/// <summary>Host settings bound from the "Dashboard" section of appsettings.json (or environment / command line).</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Folder the relative paths below start from; empty means the folder holding PromptDfd.sln.</summary>
    public string RepositoryRoot { get; set; } = "";
    public string ModelsFolder { get; set; } = "models";
    public string TasksFolder { get; set; } = "data/tasks";
    public string RunsFolder { get; set; } = "runs";
    /// <summary>Users' own tasks, their teachers and reports (git-ignored).</summary>
    public string UserFolder { get; set; } = "workspace";

    /// <summary>The LiteDB run store; relative to the runs folder unless absolute.</summary>
    public string StoreFile { get; set; } = "promptdfd.db";

    /// <summary>"auto" (CUDA when present), "cpu" or "cuda".</summary>
    public string Device { get; set; } = "auto";

    /// <summary>libtorch intra-op threads; 0 means one per core.</summary>
    public int Threads { get; set; }

    /// <summary>Required before the dashboard may listen on anything but loopback.</summary>
    public string AccessToken { get; set; } = "";

    /// <summary>Checked at start-up, so a typo in appsettings.json stops the dashboard with its fix, not the first run.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (Device is not ("auto" or "cpu" or "cuda")) problems.Add($"Dashboard:Device must be auto, cpu or cuda (got '{Device}')");
        if (Threads < 0) problems.Add($"Dashboard:Threads must be 0 (one per core) or a positive count (got {Threads})");
        if (problems.Count > 0) throw new InvalidOperationException($"Invalid dashboard settings (appsettings.json, environment or " +
            $"command line): {string.Join("; ", problems)}.");
    }

    /// <summary>The folders above as the engine's one description of where things live.</summary>
    public Workspace Workspace() => new(Root())
    {
        ModelsFolder = ModelsFolder,
        TasksFolder = TasksFolder,
        RunsFolder = RunsFolder,
        StoreFile = StoreFile,
        UserFolder = UserFolder,
    };

    public string StorePath() => Workspace().Store;

    public string Resolve(string relative) => Workspace().Resolve(relative);

    public string Root()
    {
        if (RepositoryRoot.Length > 0) return Path.GetFullPath(RepositoryRoot);
        return Engine.Workspace.OfRepository().Root;
    }
}
