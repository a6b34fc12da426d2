using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine.Models;

namespace PromptDfd.Cli.Commands;

/// <summary>Rewrites a checkpoint's weights as float16 (half the size) or float32; shipped models are stored as float16.</summary>
public sealed class ConvertCommand : CliCommand
{
    private readonly Option<string> model = new("--model") { Description = "the checkpoint folder to convert", Required = true };
    private readonly Option<string> precision = PrecisionOption.Create("f16");

    public ConvertCommand() : base("convert", "store a checkpoint's weights as float16 or float32 (shipped models use float16)") =>
        AddOptions(model, precision);

    protected override int Run(ParseResult parsed)
    {
        string folder = parsed.GetValue(model)!;
        bool half = PrecisionOption.IsHalf(parsed, precision);
        Checkpoint.ConvertPrecision(folder, half,
            $"dotnet run --project PromptDfd.Cli -c Release -- convert --model {folder} --precision {(half ? "f16" : "f32")}");
        Console.WriteLine($"{folder}: weights now stored as {(half ? "F16" : "F32")} " +
            $"({new FileInfo(Path.Combine(folder, Checkpoint.WeightsFile)).Length / 1e6:F1} MB)");
        return 0;
    }
}
