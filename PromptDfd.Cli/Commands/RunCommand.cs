using System.Globalization;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cli.Commands;

/// <summary>Runs PromptDFD (or a baseline) headless, writing to the same run store the dashboard reads.</summary>
public static class RunCommand
{
    public static int Run(CommandArguments arguments)
    {
        string? resume = arguments.String("resume", "") is { Length: > 0 } r ? r : null;
        string? configFile = arguments.String("config", "") is { Length: > 0 } c ? c : null;
        string preset = arguments.String("preset", RunPresets.Default);
        string task = arguments.String("task", "sentiment");
        long seed = arguments.Long("seed", 1);
        int? steps = arguments.Steps();
        string name = arguments.String("name", "");
        string tags = arguments.String("tags", "");
        // Model folders, like those in a config file, are relative to the repository root unless absolute.
        string prior = arguments.String("prior", "");
        string teacher = arguments.String("teacher", "");
        var overrides = arguments.RunConfigOverrides()
            .Concat(prior.Length > 0 ? [$"PriorFolder={prior}"] : [])
            .Concat(teacher.Length > 0 ? [$"TeacherFolder={teacher}"] : []).ToList();
        bool quiet = arguments.Flag("quiet");
        using var session = RunSession.Open(arguments);
        arguments.RejectUnknown();

        RunRecord run;
        if (resume is not null)
        {
            session.Manager.Resume(resume);
            run = session.Store.Get(resume)!;
        }
        else
        {
            RunConfig config = configFile is not null ? ReadConfigFile(configFile) : RunPresets.Create(preset, task, seed);
            if (steps is int given) config = config with
            {
                Training = config.Training with
                {
                    Schedule = config.Training.Schedule with { Steps = given }
                }
            };
            config = ConfigOverrides.Apply(config with
            {
                Name = name.Length > 0 ? name : config.Name,
                Tags = tags.Length > 0 ? tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : config.Tags,
            }, overrides);
            run = session.Manager.Submit(config);
        }
        Console.WriteLine($"run {run.Id}: {run.Name} -> {session.Store.Path}");
        RunRecord finished = session.Follow(run.Id, quiet);
        return finished.Status == RunStatus.Completed ? 0 : 1;
    }

    /// <summary>A run config file; one that names no task (e.g. "{}") is refused rather than run as the default.</summary>
    private static RunConfig ReadConfigFile(string path)
    {
        string json = File.ReadAllText(path);
        System.Text.Json.Nodes.JsonNode? node;
        try
        {
            node = System.Text.Json.Nodes.JsonNode.Parse(json, documentOptions: new()
            {
                CommentHandling = System.Text.Json.JsonCommentHandling.Skip,
                AllowTrailingCommas = true
            });
        }
        catch (System.Text.Json.JsonException error)
        {
            throw new UsageException($"Config file '{path}' is not valid JSON: " +
            $"{error.Message}");
        }
        if (node is not System.Text.Json.Nodes.JsonObject obj || !obj.ContainsKey(nameof(RunConfig.Task)))
            throw new UsageException($"Config file '{path}' names no Task, so it would silently start the default run; write a whole " +
                $"config " +
                "(a run's Config tab in the dashboard shows one) or use --preset and --task instead of --config.");
        return RunConfig.FromJson(json, $"config file '{path}'");
    }
}

/// <summary>A run store, hub and manager for one command-line session, and printing of a run's progress.</summary>
public sealed class RunSession : IDisposable
{
    private RunSession(RunStore store, RunManager manager) { Store = store; Manager = manager; }

    public RunStore Store { get; }
    public RunManager Manager { get; }

    public static RunSession Open(CommandArguments arguments)
    {
        // --root points runs at another tree of data/tasks and models (relative model folders resolve against it).
        var workspace = new Workspace(Path.GetFullPath(arguments.String("root", Repository.Workspace.Root)));
        workspace = workspace with
        {
            RunsFolder = arguments.String("runs", workspace.RunsFolder),
            StoreFile = Path.GetFullPath(arguments.String("store", workspace.Store)),
        };
        int threads = arguments.Int("threads", 0);
        var store = new RunStore(workspace.Store);
        var manager = new RunManager(store, new RunEventHub(), new RunEnvironment(workspace, threads));
        manager.Start();
        return new RunSession(store, manager);
    }

    /// <summary>Prints evaluations and status changes until the run ends; Ctrl+C cancels it gracefully (with a checkpoint).</summary>
    public RunRecord Follow(string id, bool quiet)
    {
        using var subscription = Manager.Hub.Subscribe(id);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            Console.WriteLine("cancelling (saving a checkpoint)...");
            try { Manager.Cancel(id); }
            catch (InvalidOperationException) { }
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            Task<RunRecord> finished = Manager.WhenFinished(id);
            var printer = Task.Run(async () =>
            {
                await foreach (RunUpdate update in subscription.Reader.ReadAllAsync())
                {
                    if (quiet) continue;
                    switch (update.Event)
                    {
                        case MetricEvent { Name: MetricNames.StudentAccuracy } m:
                            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {m.Step,5}  samples {m.SamplesSeen,7}  student " +
                                $"accuracy {m.Value:P1}"));
                            break;
                        case LogEvent log:
                            Console.WriteLine($"  {log.Message}");
                            break;
                        case RunNoticeEvent notice:
                            Console.WriteLine($"  {notice.Message}");
                            break;
                        case PromptChangeEvent change:
                            Console.WriteLine($"  step {change.Step}: {change.Command}");
                            break;
                    }
                }
            });
            RunRecord run = finished.GetAwaiter().GetResult();
            subscription.Dispose();
            printer.Wait(TimeSpan.FromSeconds(5));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run.Id} {run.Status.ToString().ToLowerInvariant()}: step {run.Step}/{run.TotalSteps}, student accuracy " +
                    $"{run.ReportedAccuracy:P1} ({ReportedAccuracy.Description}), teacher {run.TeacherAccuracy:P1}, " +
                        $"{run.SecondsRunning / 60:F1} min"));
            if (run.Error is not null) Console.Error.WriteLine($"error: {run.Error}");
            return run;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public void Dispose()
    {
        Manager.Dispose();
        Store.Dispose();
    }
}
