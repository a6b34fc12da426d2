using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptDfd.Cli.Arguments;
using PromptDfd.Cli.Output;
using PromptDfd.Cluster.Host;
using PromptDfd.Cluster.Hosting;
using PromptDfd.Engine;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cli.Commands;

/// <summary>Runs PromptDFD (or a baseline) headless, writing to the same run store the dashboard reads.</summary>
public sealed class RunCommand : CliCommand
{
    private readonly Option<string?> resume = CliOptions.Text("--resume", "continue this run (by id) from its last checkpoint");
    private readonly Option<string?> configFile = CliOptions.Text("--config", "a whole run config as JSON (a run's Config tab in the " +
        "dashboard shows one), instead of --preset and --task");
    private readonly Option<string> preset = CliOptions.Text("--preset", "the method: " + string.Join(", ",
        RunPresets.All.Select(p => p.Name)), RunPresets.Default);
    private readonly Option<string> task = CliOptions.Text("--task", "the task: a shipped one or one you registered", "sentiment");
    private readonly Option<long> seed = CliOptions.Long("--seed", "the run's seed", 1);
    private readonly Option<int?> steps = CliOptions.Steps("training steps (default: the preset's)");
    private readonly Option<string?> name = CliOptions.Text("--name", "the run's name (default: preset, task and seed)");
    private readonly Option<string?> tags = CliOptions.Text("--tags", "tags separated by commas, to filter runs by");
    private readonly Option<string?> prior = CliOptions.Text("--prior", "another language prior (relative to --root unless absolute)");
    private readonly Option<string?> teacher = CliOptions.Text("--teacher", "another teacher (relative to --root unless absolute)");
    private readonly Option<bool> quiet = CliOptions.Switch("--quiet", "print only the run's end, not each evaluation");
    private readonly RunOverrideOptions overrides = new();
    private readonly RunStoreOptions storeOptions = new();

    public RunCommand() : base("run", "run PromptDFD or a baseline headless, into the run store the dashboard reads") =>
        AddOptions([resume, configFile, preset, task, seed, steps, name, tags, prior, teacher, quiet, .. overrides.All,
            .. storeOptions.All]);

    protected override int Run(ParseResult parsed)
    {
        string? resume = parsed.GetValue(this.resume), configFile = parsed.GetValue(this.configFile);
        string preset = parsed.GetValue(this.preset)!, task = parsed.GetValue(this.task)!;
        long seed = parsed.GetValue(this.seed);
        int? steps = parsed.GetValue(this.steps);
        string name = parsed.GetValue(this.name) ?? "", tags = parsed.GetValue(this.tags) ?? "";
        // Model folders, like those in a config file, are relative to the repository root unless absolute.
        string? prior = parsed.GetValue(this.prior), teacher = parsed.GetValue(this.teacher);
        var overrides = this.overrides.Read(parsed)
            .Concat(prior is not null ? [$"PriorFolder={prior}"] : [])
            .Concat(teacher is not null ? [$"TeacherFolder={teacher}"] : []).ToList();
        bool quiet = parsed.GetValue(this.quiet);
        using var session = RunSession.Open(storeOptions, parsed);

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
            config = StudentForAnotherPrior(config, prior, overrides, session.Manager.Environment);
            run = session.Manager.Submit(config);
        }
        Console.WriteLine($"run {run.Id}: {run.Name} -> {session.Store.Path}");
        RunRecord finished = session.Follow(run.Id, quiet);
        return finished.Status == RunStatus.Completed ? 0 : 1;
    }

    /// <summary>
    /// With --prior a researcher picks a prior (a Hugging Face GPT-2, say) that the shipped student body cannot read: unless they named
    /// a starting model themselves, the student then starts from random weights, and says so, instead of refusing the run.
    /// </summary>
    private static RunConfig StudentForAnotherPrior(RunConfig config, string? prior, IReadOnlyList<string> overrides,
        RunEnvironment environment)
    {
        if (prior is null || config.StudentBodyFolder != RunConfig.DefaultStudentBody
            || overrides.Any(o => o.StartsWith(nameof(RunConfig.StudentBodyFolder) + "=", StringComparison.Ordinal))
            || StudentStart.Problem(config, environment) is not string reason) return config;
        Console.WriteLine($"The student starts from random weights: {reason.Split(';')[0]}.");
        return config with { StudentBodyFolder = "" };
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
    private readonly IHost? clusterClient;
    private readonly ClusterDispatcher? dispatcher;

    private RunSession(RunStore store, RunManager manager, IHost? clusterClient = null, ClusterDispatcher? dispatcher = null)
    {
        Store = store;
        Manager = manager;
        this.clusterClient = clusterClient;
        this.dispatcher = dispatcher;
    }

    public RunStore Store { get; }
    public RunManager Manager { get; }

    /// <param name="cluster">hand the runs to this cluster's workers (this process writes their history); null: run them here</param>
    public static RunSession Open(RunStoreOptions options, ParseResult parsed, ClusterSettings? cluster = null)
    {
        Workspace workspace = options.Workspace(parsed);
        int threads = parsed.GetValue(options.Threads);
        var environment = new RunEnvironment(workspace, threads);
        var store = new RunStore(workspace.Store);
        if (cluster is null)
        {
            var manager = new RunManager(store, new RunEventHub(), environment);
            manager.Start();
            return new RunSession(store, manager);
        }
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client => client.UseRunClusterClient(cluster));
        IHost client = builder.Build();
        try
        {
            client.Start();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            store.Dispose();
            client.Dispose();
            throw new UsageException($"Could not join the cluster at {cluster.Clustering} ({error.GetBaseException().Message}). Start the " +
                "dashboard or a worker with the same Cluster settings first (docs/cluster.md).");
        }
        var dispatcher = new ClusterDispatcher(client.Services.GetRequiredService<IClusterClient>(), environment,
            Options.Create(new DispatcherOptions()), client.Services.GetRequiredService<ILogger<ClusterDispatcher>>());
        var clustered = new RunManager(store, new RunEventHub(), environment, dispatcher: dispatcher);
        clustered.Start();
        return new RunSession(store, clustered, client, dispatcher);
    }

    /// <summary>Prints evaluations and status changes until the run ends; Ctrl+C cancels it gracefully (with a checkpoint).</summary>
    public RunRecord Follow(string id, bool quiet)
    {
        // The run may have started before this subscribes: the hub's last seconds come first.
        using var subscription = Manager.Hub.Subscribe(id, replayRecent: true);
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
            var progress = new ProgressLine(Console.Out, ProgressLine.ConsoleIsInteractive, "  steps");
            var printer = Task.Run(async () =>
            {
                await foreach (RunUpdate update in subscription.Reader.ReadAllAsync())
                {
                    // A quiet run (an experiment's) still shows its bar on a terminal, where it takes one line.
                    if (update.Run is { Status: RunStatus.Running } running && (!quiet || ProgressLine.ConsoleIsInteractive))
                        progress.Report(running.Step, running.TotalSteps, TimeSpan.FromSeconds(running.SecondsRunning));
                    if (quiet) continue;
                    switch (update.Event)
                    {
                        case MetricEvent { Name: MetricNames.StudentAccuracy } m:
                            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {m.Step,5}  samples {m.SamplesSeen,7}  " +
                                $"student accuracy {m.Value:P1}"));
                            break;
                        case LogEvent log:
                            progress.WriteLine($"  {log.Message}");
                            break;
                        case RunNoticeEvent notice:
                            progress.WriteLine($"  {notice.Message}");
                            break;
                        case PromptChangeEvent change:
                            progress.WriteLine($"  step {change.Step}: {change.Command}");
                            break;
                    }
                }
            });
            RunRecord run = finished.GetAwaiter().GetResult();
            subscription.Dispose();
            printer.Wait(TimeSpan.FromSeconds(5));
            progress.Finish();
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
        dispatcher?.Dispose();
        clusterClient?.StopAsync().GetAwaiter().GetResult();
        clusterClient?.Dispose();
        Store.Dispose();
    }
}
