using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
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

    /// <summary>
    /// Joins the cluster the settings name: localhost clustering listens on loopback only; Redis or PostgreSQL clustering listens on the
    /// advertised address, which should be on a private network (cluster traffic is not authenticated; see docs/cluster.md).
    /// </summary>
    public static ISiloBuilder UseRunCluster(this ISiloBuilder silo, ClusterSettings settings)
    {
        settings.Validate();
        int siloPort = settings.SiloPort > 0 ? settings.SiloPort : ClusterSettings.FreePort();
        int gatewayPort = settings.GatewayPort > 0 ? settings.GatewayPort : ClusterSettings.FreePort();
        if (settings.IsLocal)
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: settings.ClusterId, clusterId: settings.ClusterId);
        else
        {
            if (settings.PostgresConnection is { } postgres)
            {
                PostgresMembership.Prepare(postgres);
                silo.UseAdoNetClustering(options => (options.Invariant, options.ConnectionString) = (PostgresMembership.Invariant, postgres));
            }
            else silo.UseRedisClustering(settings.RedisConnection!);
            silo.Configure<ClusterOptions>(options => (options.ClusterId, options.ServiceId) = (settings.ClusterId, settings.ClusterId));
            silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedAddress), siloPort, gatewayPort, listenOnAnyHostAddress: false);
        }
        return silo.AddWorkerPlacement();
    }

    /// <summary>Every silo places worker grains, since any silo may be the first to call one.</summary>
    public static ISiloBuilder AddWorkerPlacement(this ISiloBuilder silo)
    {
        silo.Services.AddPlacementDirector<OnItsSiloPlacement, OnItsSiloPlacementDirector>();
        return silo;
    }

    /// <summary>
    /// Joins a Redis- or PostgreSQL-clustered cluster as a client (no silo): what a command-line experiment needs to hand its runs to the
    /// workers. Localhost clustering has no clients from other processes.
    /// </summary>
    public static IClientBuilder UseRunClusterClient(this IClientBuilder client, ClusterSettings settings)
    {
        settings.Validate();
        if (settings.PostgresConnection is { } postgres)
        {
            PostgresMembership.Prepare(postgres);
            client.UseAdoNetClustering(options => (options.Invariant, options.ConnectionString) = (PostgresMembership.Invariant, postgres));
        }
        else if (settings.RedisConnection is { } redis) client.UseRedisClustering(redis);
        else
            throw new InvalidOperationException("A command-line session joins a cluster through Redis or PostgreSQL: pass --cluster " +
                "redis:<host:port> or --cluster postgres:<connection string>, the membership the dashboard and the workers use " +
                "(see docs/cluster.md).");
        client.Configure<ClusterOptions>(options => (options.ClusterId, options.ServiceId) = (settings.ClusterId, settings.ClusterId));
        return client;
    }
}
