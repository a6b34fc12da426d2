using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>The run manager's queue when a cluster's workers execute the runs (<see cref="IRunDispatcher"/>).</summary>
public sealed partial class RunManager
{
    /// <summary>Hands queued runs to free workers of the cluster, one at a time as workers have room.</summary>
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
            Task execution;
            // A run cancelled while it waits for a worker leaves the queue without reaching one.
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token, control.Cancellation.Token);
            try
            {
                execution = await dispatcher!.Start(run, control, next.Resume, history, waiting.Token);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested) { break; }
            catch (OperationCanceledException) when (control.Cancellation.IsCancellationRequested)
            {
                SetStatus(run, RunStatus.Cancelled, "cancelled before it started");
                Complete(run);
                continue;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                run.Error = error.Message;
                SetStatus(run, RunStatus.Failed, $"failed to start on a worker: {error.Message}");
                Complete(run);
                continue;
            }
            // Cancelled in the moment between the worker taking the run and the control reaching it.
            if (control.Cancellation.IsCancellationRequested) control.Remote?.Cancel();
            string id = next.Id;
            remote[id] = execution.ContinueWith(ended => Ended(id, ended), TaskScheduler.Default);
        }
    }

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
