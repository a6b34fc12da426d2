using System.Text.Json;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Events;

/// <summary>What the run manager adds to a run's story beside the trainer's events: status changes and checkpoints.</summary>
/// <param name="Kind">one of <see cref="RunEventKinds"/></param>
public sealed record RunNoticeEvent(int Step, string Kind, string Message) : TrainerEvent(Step);

/// <summary>
/// The one mapping from a trainer event to the record the store keeps for it. The event sink writes these records and
/// a live page renders the same ones, so a page shows live exactly what it shows after a reload.
/// </summary>
public sealed record StoredEvent(MetricPoint? Metric = null, SampleRecord? Sample = null, RunEventRecord? Event = null)
{
    public static StoredEvent Of(string runId, TrainerEvent trainerEvent, DateTime time) => trainerEvent switch
    {
        MetricEvent m => new(Metric: new MetricPoint
        {
            RunId = runId,
            Step = m.Step,
            SamplesSeen = m.SamplesSeen,
            Name = m.Name,
            Value = m.Value
        }),
        SampleEvent s => new(Sample: SampleOf(runId, s)),
        PromptChangeEvent p => new(Event: Record(runId, p.Step, time, RunEventKinds.Steering, p.Command.ToString(),
            JsonSerializer.Serialize(p.Command))),
        TopPromptsEvent t => new(Event: Record(runId, t.Step, time, RunEventKinds.TopPrompts, $"top prompts at step {t.Step}",
            JsonSerializer.Serialize(t.Prompts))),
        LogEvent l => new(Event: Record(runId, l.Step, time, RunEventKinds.Log, l.Message)),
        RunNoticeEvent n => new(Event: Record(runId, n.Step, time, n.Kind, n.Message)),
        _ => new(),
    };

    private static SampleRecord SampleOf(string runId, SampleEvent s) => new()
    {
        RunId = runId,
        Step = s.Step,
        Class = s.Class,
        Prompt = s.Prompt,
        Content = s.Content,
        TeacherLabel = s.TeacherLabel,
        TeacherConfidence = s.TeacherConfidence,
        StudentLabel = s.StudentLabel,
        Origin = s.Origin.ToString(),
        Banned = s.Banned,
    };

    public static RunEventRecord Record(string runId, int step, DateTime time, string kind, string message, string? data = null) =>
        new() { RunId = runId, Step = step, Time = time, Kind = kind, Message = message, Data = data };
}
