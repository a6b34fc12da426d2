using System.CommandLine;
using PromptDfd.Engine;

namespace PromptDfd.Cli.Arguments;

/// <summary>Where headless runs find their tasks and models and keep their store: --root, --runs, --store, --threads.</summary>
public sealed class RunStoreOptions
{
    private readonly Option<string> root = CliOptions.Text("--root", "a tree of data/tasks and models to run against (relative model " +
        "folders resolve against it)", Repository.Workspace.Root);
    private readonly Option<string?> runs = CliOptions.Text("--runs", "the folder for run checkpoints and students (default: <root>/runs)");
    private readonly Option<string?> store = CliOptions.NotAFolder(
        CliOptions.Text("--store", "the run store file (default: <runs>/promptdfd.db)"), "promptdfd.db");

    public Option<int> Threads { get; } = CliOptions.Threads();

    public IEnumerable<Option> All => [root, runs, store, Threads];

    public Workspace Workspace(ParseResult parsed)
    {
        var workspace = new Workspace(Path.GetFullPath(parsed.GetValue(root)!));
        workspace = workspace with { RunsFolder = parsed.GetValue(runs) ?? workspace.RunsFolder };
        return workspace with { StoreFile = Path.GetFullPath(parsed.GetValue(store) ?? workspace.Store) };
    }
}

/// <summary>Run-config overrides: --set Key=value (repeatable) and --device X, the shorthand for --set Device=X.</summary>
public sealed class RunOverrideOptions
{
    private readonly Option<string[]> set = CliOptions.Repeated("--set", "override one run-config value, e.g. --set " +
        "Training.Schedule.Steps=100; repeat for several (a run's Config tab shows every key)");
    private readonly Option<string?> device = CliOptions.Text("--device", "cpu, cuda or auto: the shorthand for --set Device=...");

    public IEnumerable<Option> All => [set, device];

    public IReadOnlyList<string> Read(ParseResult parsed)
    {
        string[] overrides = parsed.GetValue(set)!;
        return parsed.GetValue(device) is { Length: > 0 } given ? [.. overrides, $"Device={given}"] : overrides;
    }
}
