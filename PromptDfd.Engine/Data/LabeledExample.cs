namespace PromptDfd.Engine.Data;

/// <summary>One classification example. Group ties examples that must stay in one split (chunks of one document).</summary>
public sealed record LabeledExample(string Text, string Label, string? Group = null);
