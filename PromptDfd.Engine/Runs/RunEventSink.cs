using System.Text.Json;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Storage;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Receives a running trainer's events on the training thread: publishes each at once to the hub, keeps the run's
/// summary numbers, and buffers the store records, which a timer writes in batches (at most twice a second).
/// </summary>
public sealed class RunEventSink : IDisposable
{
    private readonly RunStore store;
    private readonly RunEventHub hub;
    private readonly RunRecord run;
    private readonly Lock gate = new();
    private readonly Timer timer;
    private List<MetricPoint> metrics = [];
    private List<SampleRecord> samples = [];
    private List<RunEventRecord> events = [];

    public RunEventSink(RunStore store, RunEventHub hub, RunRecord run, TimeSpan? flushEvery = null)
    {
        this.store = store;
        this.hub = hub;
        this.run = run;
        var period = flushEvery ?? TimeSpan.FromMilliseconds(500);
        timer = new Timer(_ => Flush(), null, period, period);
    }

    public void Handle(TrainerEvent trainerEvent)
    {
        lock (gate)
        {
            switch (trainerEvent)
            {
                case MetricEvent m:
                    metrics.Add(new MetricPoint { RunId = run.Id, Step = m.Step, SamplesSeen = m.SamplesSeen, Name = m.Name, Value = m.Value });
                    if (m.Name == "student/accuracy")
                    {
                        run.LastAccuracy = m.Value;
                        run.BestAccuracy = Math.Max(run.BestAccuracy ?? double.MinValue, m.Value);
                    }
                    if (m.Name == "teacher/accuracy") run.TeacherAccuracy = m.Value;
                    break;
                case SampleEvent s:
                    samples.Add(SampleRecord.From(run.Id, s));
                    break;
                case PromptChangeEvent p:
                    events.Add(Event(p.Step, RunEventKinds.Steering, p.Command.ToString(), JsonSerializer.Serialize(p.Command)));
                    break;
                case TopPromptsEvent t:
                    events.Add(Event(t.Step, RunEventKinds.TopPrompts, $"top prompts at step {t.Step}", JsonSerializer.Serialize(t.Prompts)));
                    break;
                case LogEvent l:
                    events.Add(Event(l.Step, RunEventKinds.Log, l.Message));
                    break;
            }
        }
        hub.Publish(new RunUpdate(run.Id, trainerEvent));
    }

    /// <summary>Records a run-level event (status, checkpoint) through the same batch.</summary>
    public void Record(int step, string kind, string message)
    {
        lock (gate) events.Add(Event(step, kind, message));
        hub.Publish(new RunUpdate(run.Id, new LogEvent(step, message)));
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
        store.Append(m, s, e);
    }

    private RunEventRecord Event(int step, string kind, string message, string? data = null) =>
        new() { RunId = run.Id, Step = step, Time = DateTime.UtcNow, Kind = kind, Message = message, Data = data };

    public void Dispose()
    {
        timer.Dispose();
        Flush();
    }
}
