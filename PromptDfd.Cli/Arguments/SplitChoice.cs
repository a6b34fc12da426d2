using PromptDfd.Engine.Data;

namespace PromptDfd.Cli.Arguments;

/// <summary>The task split a --split option names.</summary>
public static class SplitChoice
{
    public static IReadOnlyList<string> Names { get; } = ["train", "dev", "test"];

    public static IReadOnlyList<LabeledExample> Of(TaskDataset task, string split) => split switch
    {
        "train" => task.Splits.Train,
        "dev" => task.Splits.Dev,
        "test" => task.Splits.Test,
        _ => throw new UsageException($"--split must be one of {string.Join(", ", Names)} (got '{split}')."),
    };
}
