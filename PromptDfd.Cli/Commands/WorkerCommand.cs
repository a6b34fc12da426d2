using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptDfd.Cli.Arguments;
using PromptDfd.Cluster.Hosting;
using PromptDfd.Engine;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;

namespace PromptDfd.Cli.Commands;

/// <summary>Joins a cluster as a worker that executes the runs the dashboard (or an experiment) hands it, until stopped.</summary>
public sealed class WorkerCommand : CliCommand
{
    private readonly ClusterOptionSet cluster = new(required: true);
    private readonly Option<string> name = CliOptions.Text("--name", "the worker's name in the dashboard", System.Environment.MachineName);
    private readonly Option<string> kind = CliOptions.Text("--kind", "what kind of machine this is (cpu, gpu or any label runs can ask for)",
        "cpu");
    private readonly Option<int> slots = CliOptions.Whole("--slots", "runs executed at once (they share one libtorch thread)", 1,
        minimum: 1);
    private readonly RunStoreOptions storeOptions = new();

    public WorkerCommand() : base("worker", "join a cluster (see docs/cluster.md) and execute the runs it hands this machine, until " +
        "Ctrl+C") => AddOptions([.. cluster.All, name, kind, slots, .. storeOptions.All]);

    protected override int Run(ParseResult parsed)
    {
        ClusterSettings settings = cluster.Read(parsed);
        Workspace workspace = storeOptions.Workspace(parsed);
        int threads = parsed.GetValue(storeOptions.Threads);
        TorchRuntime.ConfigureThreads(threads);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(new TorchJobQueue(threads));
        builder.Services.AddSingleton(new RunEnvironment(workspace, threads));
        string workerName = parsed.GetValue(name)!;
        builder.UseOrleans(silo => silo.UseRunCluster(settings).AddRunWorker(worker =>
        {
            worker.Name = workerName;
            worker.Kind = parsed.GetValue(kind)!;
            worker.Slots = parsed.GetValue(slots);
        }));
        using IHost host = builder.Build();
        host.Start();
        Console.WriteLine($"worker {workerName} joined cluster '{settings.ClusterId}' ({settings.Clustering}) at " +
            $"{settings.AdvertisedAddress}; run folders in {workspace.Runs}. Ctrl+C leaves (running runs are checkpointed and resume " +
            "elsewhere).");
        host.WaitForShutdown();
        Console.WriteLine($"worker {workerName} left the cluster.");
        return 0;
    }
}
