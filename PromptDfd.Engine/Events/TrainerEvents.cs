using System.Text.Json.Serialization;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Sources;

namespace PromptDfd.Engine.Events;

/// <summary>What a trainer reports; subscribers (store, dashboard, command line, tests) decide what to do with it. A worker of a
/// cluster sends them to the dashboard's host as JSON, each named by its kind.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "event")]
[JsonDerivedType(typeof(MetricEvent), "metric")]
[JsonDerivedType(typeof(SampleEvent), "sample")]
[JsonDerivedType(typeof(LogEvent), "log")]
[JsonDerivedType(typeof(PromptChangeEvent), "prompt-change")]
[JsonDerivedType(typeof(TopPromptsEvent), "top-prompts")]
[JsonDerivedType(typeof(RunNoticeEvent), "notice")]
public abstract record TrainerEvent(int Step);

public sealed record MetricEvent(int Step, long SamplesSeen, string Name, double Value) : TrainerEvent(Step);

/// <summary>One synthetic sample: target class ("" when the method has none), prompt and content apart, the teacher's and the student's
/// answers.</summary>
public sealed record SampleEvent(int Step, string Class, string Prompt, string Content, string TeacherLabel, double TeacherConfidence,
    string StudentLabel,
    PromptOrigin Origin = PromptOrigin.Policy, bool Banned = false) : TrainerEvent(Step);

public sealed record LogEvent(int Step, string Message) : TrainerEvent(Step);

/// <summary>A topic-prompt change that takes effect at the start of <paramref name="Step"/>.</summary>
public sealed record PromptChangeEvent(int Step, SteeringCommand Command) : TrainerEvent(Step);

/// <summary>The best recent prompts per class, reported at each evaluation.</summary>
public sealed record TopPromptsEvent(int Step, IReadOnlyDictionary<string, IReadOnlyList<PromptStatistic>> Prompts) : TrainerEvent(Step);
