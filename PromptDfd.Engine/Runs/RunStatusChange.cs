using PromptDfd.Engine.Events;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>A run's status change: stored with a notice in the run's event log, and told to its watchers.</summary>
public static class RunStatusChange
{
    public static void Set(IRunHistory history, RunRecord run, RunStatus status, string message)
    {
        run.Status = status;
        if (status is RunStatus.Completed or RunStatus.Cancelled or RunStatus.Failed) run.FinishedAt = DateTime.UtcNow;
        var notice = new RunNoticeEvent(run.Step, RunEventKinds.Status, message);
        history.Append([], [], [StoredEvent.Of(run.Id, notice, DateTime.UtcNow).Event!]);
        history.Update(run, notice);
    }
}
