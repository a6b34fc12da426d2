using PromptDfd.Cluster.Contracts;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Runs;

namespace PromptDfd.Cluster.Host;

/// <summary>A run's controls carried to the worker that executes it; a refusal there (a steering command that breaks a rule) throws here.</summary>
internal sealed class RemoteRunControl(IRunWorkerGrain worker, string runId, int attempt, TimeSpan answerWithin) : IRemoteRunControl
{
    public void Pause() => Send(RunCommand.Pause);
    public void Continue() => Send(RunCommand.Continue);
    public void Cancel() => Send(RunCommand.Cancel);
    public void Interrupt() => Send(RunCommand.Interrupt);
    public void Steer(SteeringCommand command) => Send(RunCommand.Steer, HistoryWire.Serialize(command));

    // Callers are the dashboard's and command line's synchronous run controls; a worker that does not answer in time is reported.
    private void Send(RunCommand command, string? steering = null) =>
        worker.Control(runId, attempt, command, steering).WaitAsync(answerWithin).GetAwaiter().GetResult();
}
