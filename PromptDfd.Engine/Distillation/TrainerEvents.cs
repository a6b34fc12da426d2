namespace PromptDfd.Engine.Distillation;

/// <summary>What a trainer reports; subscribers (store, dashboard, command line, tests) decide what to do with it.</summary>
public abstract record TrainerEvent(int Step);

public sealed record MetricEvent(int Step, long SamplesSeen, string Name, double Value) : TrainerEvent(Step);

public sealed record SampleEvent(int Step, string Class, string Prompt, string Content, string TeacherLabel, double TeacherConfidence, string StudentLabel) : TrainerEvent(Step);

public sealed record LogEvent(int Step, string Message) : TrainerEvent(Step);
