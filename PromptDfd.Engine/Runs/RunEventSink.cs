using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Receives a running trainer's events on the training thread: publishes each at once to the run's watchers, keeps the
/// run's summary numbers, and buffers the store records, which a timer writes in batches (at most twice a second).
/// </summary>
public sealed class RunEventSink : IDisposable
{
    private readonly IRunHistory history;
    private readonly RunRecord run;
    private readonly Lock gate = new();
    private readonly Timer timer;
    private List<MetricPoint> metrics = [];
    private List<SampleRecord> samples = [];
    private List<RunEventRecord> events = [];
    private readonly List<MetricPoint> accuracies;

    public RunEventSink(IRunHistory history, RunRecord run, TimeSpan? flushEvery = null)
    {
        this.history = history;
        this.run = run;
        // A resumed run's reported accuracy continues from the evaluations it already has.
        accuracies = history.Metrics(run.Id, MetricNames.StudentAccuracy).ToList();
        var period = flushEvery ?? TimeSpan.FromMilliseconds(500);
        timer = new Timer(_ => Flush(), null, period, period);
    }

    public void Handle(TrainerEvent trainerEvent)
    {
        lock (gate)
        {
            StoredEvent stored = StoredEvent.Of(run.Id, trainerEvent, DateTime.UtcNow);
            if (stored.Metric is { } m)
            {
                metrics.Add(m);
                if (m.Name == MetricNames.StudentAccuracy)
                {
                    run.LastAccuracy = m.Value;
                    accuracies.Add(m);
                    run.ReportedAccuracy = ReportedAccuracy.Of(accuracies);
                }
                if (m.Name == MetricNames.TeacherAccuracy) run.TeacherAccuracy = m.Value;
            }
            if (stored.Sample is { } sample) samples.Add(sample);
            if (stored.Event is { } e) events.Add(e);
        }
        history.Publish(new RunUpdate(run.Id, trainerEvent));
    }

    /// <summary>Records a run-level event (status, checkpoint) through the same batch.</summary>
    public void Record(int step, string kind, string message)
    {
        var notice = new RunNoticeEvent(step, kind, message);
        lock (gate) events.Add(StoredEvent.Of(run.Id, notice, DateTime.UtcNow).Event!);
        history.Publish(new RunUpdate(run.Id, notice));
    }

    public void Flush()
    {
        List<MetricPoint> m;
        List<SampleRecord> s;
        List<RunEventRecord> e;
        lock (gate)
        {
            (m, metrics) = (metrics, []);
            (s, samples) = (samples, []);
            (e, events) = (events, []);
        }
        history.Append(m, s, e);
    }

    public void Dispose()
    {
        timer.Dispose();
        Flush();
    }
}
