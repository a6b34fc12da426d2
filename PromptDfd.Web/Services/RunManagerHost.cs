using Microsoft.Extensions.Options;
using PromptDfd.Engine;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Web.Services;

/// <summary>
/// Hosts the engine in the web process: one run store, one event hub and one run manager (with its dedicated
/// training thread) for the app's lifetime. Stopping the host interrupts the running run after a checkpoint.
/// </summary>
public static class EngineServiceCollectionExtensions
{
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
            return new RunManager(provider.GetRequiredService<RunStore>(), provider.GetRequiredService<RunEventHub>(),
                new RunEnvironment(options.Workspace(), options.Threads),
                provider.GetRequiredService<TorchJobQueue>());
        });
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
