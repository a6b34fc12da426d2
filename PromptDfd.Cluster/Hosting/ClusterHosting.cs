using Microsoft.Extensions.DependencyInjection;
using PromptDfd.Cluster.Host;
using PromptDfd.Cluster.Worker;

namespace PromptDfd.Cluster.Hosting;

/// <summary>How a process joins the cluster: as a worker silo, and (the dashboard's host) as the dispatcher of its runs.</summary>
public static class ClusterHosting
{
    /// <summary>
    /// Makes this silo a worker that executes runs. The process provides the libtorch thread (<see cref="Engine.Infrastructure.TorchJobQueue"/>)
    /// and the <see cref="Engine.Runs.RunEnvironment"/> whose tasks, models and run folders the worker uses.
    /// </summary>
    public static ISiloBuilder AddRunWorker(this ISiloBuilder silo, Action<WorkerOptions>? configure = null)
    {
        silo.AddWorkerPlacement();
        silo.Services.AddOptions<WorkerOptions>().Configure(options => configure?.Invoke(options));
        silo.Services.AddSingleton<WorkerRuntime>();
        silo.Services.AddHostedService(services => services.GetRequiredService<WorkerRuntime>());
        return silo;
    }

    /// <summary>Every silo places worker grains, since any silo may be the first to call one.</summary>
    public static ISiloBuilder AddWorkerPlacement(this ISiloBuilder silo)
    {
        silo.Services.AddPlacementDirector<OnItsSiloPlacement, OnItsSiloPlacementDirector>();
        return silo;
    }
}
