using System.Collections.Concurrent;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Prompter;

namespace PromptDfd.Engine.Runs;

/// <summary>Commands for a run that executes elsewhere (a worker of a cluster); each throws when the worker refuses it.</summary>
public interface IRemoteRunControl
{
    void Pause();
    void Continue();
    void Cancel();
    void Interrupt();
    void Steer(SteeringCommand command);
}

/// <summary>
/// What a run manager holds for a run that is queued or going: the commands that reach it between steps. When the run
/// executes on another worker, <see cref="Remote"/> carries each command there, and that worker's own control applies it.
/// </summary>
public sealed class RunControl
{
    public CancellationTokenSource Cancellation { get; } = new();
    public ManualResetEventSlim Running { get; } = new(true);
    public ConcurrentQueue<SteeringCommand> Steering { get; } = new();
    /// <summary>Checks a steering command when it is given; the state it leads to lives in the run's sample source.</summary>
    public PromptRules? PromptRules { get => rules; set => rules = value; }
    public SynthesisMethod Method { get; set; }
    public IRemoteRunControl? Remote { get; set; }
    private volatile PromptRules? rules;

    public void Pause()
    {
        Running.Reset();
        Remote?.Pause();
    }

    public void Continue()
    {
        Running.Set();
        Remote?.Continue();
    }

    public void Cancel()
    {
        Stop();
        Remote?.Cancel();
    }

    /// <summary>The process that owns the run stops: the run saves a checkpoint and ends interrupted, to be resumed later.</summary>
    public void Interrupt()
    {
        Stop();
        Remote?.Interrupt();
    }

    /// <summary>Ends the run at its next step, paused or not.</summary>
    private void Stop()
    {
        Cancellation.Cancel();
        Running.Set();
    }

    /// <summary>Checks a prompt change now (an <see cref="ArgumentException"/> says what is wrong) and queues it for the next step.</summary>
    public void Steer(string runId, SteeringCommand command)
    {
        if (Remote is { } remote)
        {
            remote.Steer(command);
            return;
        }
        if (!Method.CanBeSteered()) throw new InvalidOperationException($"{Method} runs have no topic prompts to steer.");
        PromptRules checker = PromptRules
            ?? throw new InvalidOperationException($"Run {runId} has not loaded its models yet; try again in a moment.");
        checker.Check(command);
        Steering.Enqueue(command);
    }
}
