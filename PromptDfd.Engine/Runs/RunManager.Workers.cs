using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>The run manager's queue when a cluster's workers execute the runs (<see cref="IRunDispatcher"/>).</summary>
public sealed partial class RunManager
{
    /// <summary>
    /// Hands queued runs to the cluster in queue order. Each waits for a worker that fits it on its own, so a run pinned to a
    /// kind of worker that is busy or absent does not hold up the runs behind it.
    /// </summary>
    private async Task Dispatch()
    {
        while (!shutdown.IsCancellationRequested)
        {
            try { await queued.WaitAsync(shutdown.Token); }
            catch (OperationCanceledException) { break; }
            pending.TryDequeue(out var next);
            RunRecord? run = store.Get(next.Id);
            if (run is null) continue;
            RunControl control = controls.GetOrAdd(next.Id, _ => new RunControl());
            if (control.Cancellation.IsCancellationRequested)
            {
                SetStatus(run, RunStatus.Cancelled, "cancelled before it started");
                Complete(run);
                continue;
            }
            remote[next.Id] = Place(run, control, next.Resume);
        }
    }

    /// <summary>Waits for a worker for the run and starts it there; the returned task ends when the run's execution does.</summary>
    private async Task Place(RunRecord run, RunControl control, bool resume)
    {
        Task execution;
        // A run cancelled while it waits for a worker leaves the queue without reaching one.
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token, control.Cancellation.Token))
        {
            try
            {
                // Registered with the dispatcher before the first await, so runs are offered workers in queue order.
                execution = await dispatcher!.Start(run, control, resume, history, waiting.Token);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested) { return; }
            catch (OperationCanceledException) when (control.Cancellation.IsCancellationRequested)
            {
                SetStatus(Reread(run), RunStatus.Cancelled, "cancelled before it started");
                Complete(run);
                return;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                run = Reread(run);
                run.Error = error.Message;
                SetStatus(run, RunStatus.Failed, $"failed to start on a worker: {error.Message}");
                Complete(run);
                return;
            }
        }
        // Cancelled in the moment between the worker taking the run and the control reaching it.
        if (control.Cancellation.IsCancellationRequested) control.Remote?.Cancel();
        try { await execution; }
        catch (Exception error) when (error is not OutOfMemoryException) { }
        Ended(run.Id, execution);
    }

    /// <summary>The stored record: while the run waited, its name, tags or notes may have changed.</summary>
    private RunRecord Reread(RunRecord run) => store.Get(run.Id) ?? run;

    /// <summary>
    /// A run's execution on a worker ended. When the worker was lost, or stopped and interrupted the run, the run resumes on
    /// another worker from its last checkpoint.
    /// </summary>
    private void Ended(string id, Task execution)
    {
        RunRecord? run = store.Get(id);
        if (run is null) return;
        string? reason = execution.Exception?.GetBaseException() is WorkerLostException lost ? lost.Message
            : !execution.IsFaulted && run.Status == RunStatus.Interrupted ? "its worker stopped" : null;
        bool cancelled = controls.TryGetValue(id, out RunControl? old) && old.Cancellation.IsCancellationRequested;
        if (reason is not null && !shutdown.IsCancellationRequested && !cancelled)
        {
            controls[id] = new RunControl();
            TakeOver(run);
            SetStatus(run, RunStatus.Queued, $"{reason}; queued to resume on another worker from " +
                (run.CheckpointStep > 0 ? $"the checkpoint at step {run.CheckpointStep}" : "the start"));
            Enqueue(id, true);
            return;
        }
        if (run.IsActive)
            SetStatus(run, cancelled ? RunStatus.Cancelled : RunStatus.Interrupted, reason is null
                ? "its worker stopped the run without a final status; resume it from its last checkpoint"
                : $"{reason}; resume it from its last checkpoint");
        Complete(run);
    }
}
