using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using PromptDfd.Cluster.Host;
using PromptDfd.Cluster.Hosting;
using PromptDfd.Engine;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cluster;

/// <summary>
/// Orleans' in-process test cluster as the dashboard would drive it: silo 0 is the host's (it takes no runs), silos 1 to N are
/// workers, each with run folders of its own, so checkpoints really move between them and the host. The host side (store,
/// hub, run manager, dispatcher) talks to the cluster as a client. The workers share the process's one libtorch thread:
/// libtorch's random generator is per process, and a run's curves must not depend on what else is running.
/// </summary>
public sealed class InProcessRunCluster : IAsyncDisposable
{
    private static readonly TorchJobQueue SharedTorch = new(name: "cluster test libtorch");
    private readonly InProcessTestCluster cluster;

    public TinyRunEnvironment Environment { get; } = new();
    public RunStore Store { get; }
    public RunManager Manager { get; }
    public ClusterDispatcher Dispatcher { get; }

    private InProcessRunCluster(InProcessTestCluster cluster, TinyRunEnvironment environment)
    {
        this.cluster = cluster;
        Environment = environment;
        Store = new RunStore(environment.StorePath);
        var host = environment.Environment;
        Dispatcher = new ClusterDispatcher(cluster.Client, host, Options.Create(new DispatcherOptions
        {
            CheckEvery = TimeSpan.FromMilliseconds(300),
            AnswerWithin = TimeSpan.FromSeconds(2),
            MissedChecksBeforeLost = 2,
        }), NullLogger<ClusterDispatcher>.Instance);
        Manager = new RunManager(Store, new RunEventHub(), host, SharedTorch, Dispatcher);
        Manager.Start();
    }

    /// <param name="kindOf">each worker's kind by silo name; null: all "cpu"</param>
    /// <param name="bare">workers whose workspace has no tasks or models (a machine with only the code), by silo name</param>
    public static async Task<InProcessRunCluster> Start(int workers, Func<string, string>? kindOf = null, Func<string, bool>? bare = null)
    {
        var environment = new TinyRunEnvironment();
        var builder = new InProcessTestClusterBuilder((short)(workers + 1));
        builder.Options.ConfigureFileLogging = false;
        builder.Options.GatewayPerSilo = true;
        builder.ConfigureSiloHost((silo, host) =>
        {
            host.Services.AddSingleton(SharedTorch);
            string own = Path.Combine(environment.Root, "workers", silo.SiloName);
            Workspace workspace = bare?.Invoke(silo.SiloName) == true ? new Workspace(Path.Combine(own, "root"))
                : environment.Environment.Workspace;
            host.Services.AddSingleton(environment.Environment with { Workspace = workspace with { RunsFolder = Path.Combine(own, "runs") } });
        });
        builder.ConfigureSilo((silo, orleans) => orleans.AddRunWorker(options =>
        {
            options.Name = silo.SiloName;
            options.Kind = kindOf?.Invoke(silo.SiloName) ?? "cpu";
            options.AcceptsRuns = silo.SiloName != "Silo_0";
        }));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new InProcessRunCluster(cluster, environment);
    }

    /// <summary>The run's record once it stops, or a timeout that tells the run's story.</summary>
    public async Task<RunRecord> Finished(string runId, TimeSpan patience)
    {
        try
        {
            return await Manager.WhenFinished(runId).WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"run {runId} did not finish: {RunStory.Of(Store, runId)}");
        }
    }

    /// <summary>Every metric of the run but timings, which differ from machine to machine, in a comparable order.</summary>
    public List<(string, int, double)> Curves(string runId) =>
        [.. Store.Metrics(runId).Where(m => !MetricNames.IsTiming(m.Name)).Select(m => (m.Name, m.Step, m.Value)).Order()];

    /// <summary>Stops a worker as a kill would: no step, checkpoint or report after this.</summary>
    public async Task Kill(string workerName) =>
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.Name == workerName));

    public async ValueTask DisposeAsync()
    {
        Manager.Dispose();
        Dispatcher.Dispose();
        Store.Dispose();
        await cluster.DisposeAsync();
        Environment.Dispose();
    }
}
