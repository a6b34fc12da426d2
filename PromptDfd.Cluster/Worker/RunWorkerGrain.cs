using PromptDfd.Cluster.Contracts;
using PromptDfd.Engine.Method;

namespace PromptDfd.Cluster.Worker;

/// <summary>The cluster's handle on one worker silo's <see cref="WorkerRuntime"/>; lives on that silo only.</summary>
[OnItsSilo]
internal sealed class RunWorkerGrain(WorkerRuntime runtime, ILocalSiloDetails silo) : Grain, IRunWorkerGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        this.GetPrimaryKeyString() == silo.SiloAddress.ToParsableString()
            ? Task.CompletedTask
            : throw new InvalidOperationException($"Worker grain {this.GetPrimaryKeyString()} cannot live on silo {silo.SiloAddress}.");

    public Task<WorkerDescription> Describe() => Task.FromResult(runtime.Describe(this.GetPrimaryKeyString()));

    public Task Start(RunAssignment assignment, IRunHostObserver host) => runtime.Start(assignment, host);

    public Task Control(string runId, int attempt, RunCommand command, string? steeringJson = null)
    {
        runtime.Control(runId, attempt, command, steeringJson is null ? null : HistoryWire.Read<SteeringCommand>(steeringJson));
        return Task.CompletedTask;
    }

    public Task<bool> IsExecuting(string runId, int attempt) => Task.FromResult(runtime.IsExecuting(runId, attempt));
}
