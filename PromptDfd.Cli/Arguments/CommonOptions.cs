using System.CommandLine;
using PromptDfd.Engine.Infrastructure;
using static TorchSharp.torch;

namespace PromptDfd.Cli.Arguments;

/// <summary>--task and --task-folder: a shipped or registered task by name, or a task folder elsewhere.</summary>
public sealed class TaskOptions
{
    public Option<string> Name { get; } = CliOptions.Text("--task", "the task: a shipped one (sentiment, genre, ontology) or one you " +
        "registered", "sentiment");

    public Option<string?> Folder { get; } = CliOptions.Text("--task-folder", "read the task from this folder instead of the one " +
        "--task names (data/tasks/<task>, or workspace/tasks/<task> for your own)");

    public IEnumerable<Option> All => [Name, Folder];

    public (string Name, string Folder) Read(ParseResult parsed)
    {
        string name = parsed.GetValue(Name)!;
        return (name, parsed.GetValue(Folder) ?? Repository.Workspace.Task(name));
    }
}

/// <summary>--device and --threads: where libtorch computes and with how many threads.</summary>
public sealed class ComputeOptions(string defaultDevice = "auto")
{
    public Option<string> Device { get; } = CliOptions.Device(defaultDevice);

    public Option<int> Threads { get; } = CliOptions.Threads();

    public IEnumerable<Option> All => [Device, Threads];

    /// <summary>The device to compute on, with libtorch's threads configured as asked.</summary>
    public Device Apply(ParseResult parsed)
    {
        Device device = TorchRuntime.ResolveDevice(parsed.GetValue(Device)!);
        TorchRuntime.ConfigureThreads(parsed.GetValue(Threads));
        return device;
    }
}

/// <summary>--precision: how a written checkpoint stores its weights.</summary>
public static class PrecisionOption
{
    public static Option<string> Create(string fallback) => CliOptions.Choice("--precision", "f32, or f16 for half-size weights " +
        "(as the shipped inference-only models are stored)", fallback, "f16", "f32");

    public static bool IsHalf(ParseResult parsed, Option<string> option) => parsed.GetValue(option) == "f16";
}

/// <summary>--split: which split of a task to read.</summary>
public static class SplitOption
{
    public static Option<string> Create(string description = "the task split to read") =>
        CliOptions.Choice("--split", description, "dev", [.. SplitChoice.Names]);
}
