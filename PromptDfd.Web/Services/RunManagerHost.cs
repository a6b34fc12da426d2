using Microsoft.Extensions.Options;
using PromptDfd.Cluster.Host;
using PromptDfd.Cluster.Hosting;
using PromptDfd.Engine;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Web.Services;

/// <summary>
/// Hosts the engine in the web process: one run store, one event hub, one libtorch thread and one run manager for the
/// app's lifetime. The manager hands runs to the workers of the cluster: the dashboard's own silo is one (it runs on
/// the same libtorch thread), and machines started with `promptdfd worker` join it. Stopping the host interrupts the
/// running runs after a checkpoint.
/// </summary>
public static class EngineServiceCollectionExtensions
{
    /// <summary>Joins (or, by default, is) the cluster, with a worker in this process unless Cluster:Worker:AcceptsRuns is false.</summary>
    public static IHostApplicationBuilder AddPromptDfdCluster(this IHostApplicationBuilder builder, ClusterSettings settings)
    {
        builder.Services.AddOptions<DispatcherOptions>().BindConfiguration(DispatcherOptions.Section);
        builder.UseOrleans(silo => silo.UseRunCluster(settings)
            .AddRunWorker(worker => builder.Configuration.GetSection(ClusterSettings.Section + ":Worker").Bind(worker)));
        return builder;
    }

    public static IServiceCollection AddPromptDfdEngine(this IServiceCollection services)
    {
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DashboardOptions>>().Value;
            return new RunStore(options.StorePath());
        });
        services.AddSingleton<RunEventHub>();
        // The one thread of the process that runs libtorch work: runs, teacher training and the playground take turns on it.
        services.AddSingleton(provider => new TorchJobQueue(provider.GetRequiredService<IOptions<DashboardOptions>>().Value.Threads));
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DashboardOptions>>().Value;
            return new RunEnvironment(options.Workspace(), options.Threads);
        });
        services.AddSingleton<ClusterDispatcher>();
        services.AddSingleton(provider => new RunManager(provider.GetRequiredService<RunStore>(), provider.GetRequiredService<RunEventHub>(),
            provider.GetRequiredService<RunEnvironment>(), provider.GetRequiredService<TorchJobQueue>(),
            provider.GetRequiredService<ClusterDispatcher>()));
        services.AddHostedService<RunManagerHost>();
        return services;
    }
}

public sealed class RunManagerHost(RunManager manager) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        manager.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Dispose lets the training thread save a checkpoint and mark the run interrupted before the process exits;
        // it must run even when the host's stop token is already cancelled, or the run is left looking alive.
        manager.Dispose();
        return Task.CompletedTask;
    }
}
