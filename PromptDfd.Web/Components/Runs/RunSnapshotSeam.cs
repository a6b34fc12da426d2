using PromptDfd.Engine.Store;

namespace PromptDfd.Web.Components.Runs;

/// <summary>
/// Where a Run page's read of the store meets the live updates after it. The page subscribes, with the hub's last seconds
/// replayed, before it reads the store, so nothing falls between the two; what both delivered is shown once. The store
/// receives metrics and samples in the order the run wrote them, so one of an earlier step than the newest read is already
/// in the store, and at that newest step the records read are compared one by one.
/// </summary>
public sealed class RunSnapshotSeam
{
    private readonly Dictionary<string, int> lastMetricStep;
    private readonly int newestSampleStep;
    private readonly HashSet<(string Class, string Prompt, string Content)> samplesAtNewestStep;
    private readonly HashSet<(int Step, string Kind, string Message)> eventsRead;

    /// <param name="metrics">every metric point read</param>
    /// <param name="samples">the samples read (the newest ones are enough)</param>
    /// <param name="events">every event read</param>
    public RunSnapshotSeam(IEnumerable<MetricPoint> metrics, IReadOnlyCollection<SampleRecord> samples,
        IReadOnlyCollection<RunEventRecord> events)
    {
        lastMetricStep = metrics.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Max(m => m.Step));
        newestSampleStep = samples.Count == 0 ? -1 : samples.Max(s => s.Step);
        samplesAtNewestStep = samples.Where(s => s.Step == newestSampleStep).Select(s => (s.Class, s.Prompt, s.Content)).ToHashSet();
        eventsRead = events.Select(e => (e.Step, e.Kind, e.Message)).ToHashSet();
    }

    /// <summary>A metric has one point per step: a point at or before the last one shown is not new (nor, after a resume,
    /// one the run writes again for a step the page already shows).</summary>
    public bool IsNew(MetricPoint point)
    {
        if (lastMetricStep.TryGetValue(point.Name, out int last) && point.Step <= last) return false;
        lastMetricStep[point.Name] = point.Step;
        return true;
    }

    public bool IsNew(SampleRecord sample) =>
        sample.Step > newestSampleStep
        || (sample.Step == newestSampleStep && !samplesAtNewestStep.Contains((sample.Class, sample.Prompt, sample.Content)));

    /// <summary>Events are few, and a resumed run notes its resumption at an earlier step: they are compared one by one.</summary>
    public bool IsNew(RunEventRecord record) => !eventsRead.Contains((record.Step, record.Kind, record.Message));
}
