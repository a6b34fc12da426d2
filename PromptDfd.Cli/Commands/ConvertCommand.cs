using PromptDfd.Cli.Arguments;
using PromptDfd.Engine.Models;

namespace PromptDfd.Cli.Commands;

/// <summary>Rewrites a checkpoint's weights as float16 (half the size) or float32; shipped models are stored as float16.</summary>
public static class ConvertCommand
{
    public static int Run(CommandArguments arguments)
    {
        string folder = arguments.String("model", "");
        if (folder.Length == 0) throw new UsageException("--model is required: the checkpoint folder to convert.");
        bool half = Precision.IsHalf(arguments.String("precision", "f16"));
        arguments.RejectUnknown();
        Checkpoint.ConvertPrecision(folder, half,
            $"dotnet run --project PromptDfd.Cli -c Release -- convert --model {folder} --precision {(half ? "f16" : "f32")}");
        Console.WriteLine($"{folder}: weights now stored as {(half ? "F16" : "F32")} " +
            $"({new FileInfo(Path.Combine(folder, Checkpoint.WeightsFile)).Length / 1e6:F1} MB)");
        return 0;
    }
}

public static class Precision
{
    public static bool IsHalf(string value) => value.ToLowerInvariant() switch
    {
        "f16" or "fp16" or "float16" => true,
        "f32" or "fp32" or "float32" => false,
        _ => throw new UsageException($"--precision must be f16 or f32 (got '{value}')."),
    };
}
