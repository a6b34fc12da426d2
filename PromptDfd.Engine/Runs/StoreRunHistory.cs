using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>A run's history in the process that owns the store: the store is written here and the hub tells this process's pages.</summary>
public sealed class StoreRunHistory(RunStore store, RunEventHub hub) : IRunHistory
{
    private readonly Lock gate = new();

    public void Update(RunRecord run, RunNoticeEvent? notice = null)
    {
        RunRecord stored;
        lock (gate)
        {
            // The user may rename, tag or star the run while it goes: those fields stay as the store has them.
            stored = store.Change(run.Id, run.CopyTo) ?? run;
            if (ReferenceEquals(stored, run)) store.Update(run);
        }
        hub.Publish(new RunUpdate(run.Id, notice, stored));
    }

    public void Publish(RunUpdate update) => hub.Publish(update);

    public void Append(IReadOnlyCollection<MetricPoint> metrics, IReadOnlyCollection<SampleRecord> samples,
        IReadOnlyCollection<RunEventRecord> events) => store.Append(metrics, samples, events);

    public IReadOnlyList<ScheduledSteering> Steering(string runId) => store.Steering(runId);

    public IReadOnlyList<MetricPoint> Metrics(string runId, string name) => store.Metrics(runId, name);

    public void DeleteAfter(string runId, int step)
    {
        store.DeleteAfter(runId, step);
        // Pages that show the dropped steps read the run again.
        hub.Publish(new RunUpdate(runId, RewoundTo: step));
    }

    public string Saved(RunRecord run, RunFolderKind kind, string folder) => folder;
}
