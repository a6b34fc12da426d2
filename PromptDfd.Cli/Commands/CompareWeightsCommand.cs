using System.Globalization;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;

namespace PromptDfd.Cli.Commands;

/// <summary>Tells a re-created checkpoint that differs only by rounding from one that really changed.</summary>
public static class CompareWeightsCommand
{
    public static int Run(CommandArguments arguments)
    {
        string model = arguments.String("model", "");
        string against = arguments.String("against", "");
        int top = arguments.Int("top", 5);
        arguments.RejectUnknown();
        if (model.Length == 0 || against.Length == 0)
            throw new UsageException("--model and --against are required: two checkpoint folders (or weights files: .safetensors, or " +
                "pytorch_model.bin) of the same architecture.");
        if (top < 0) throw new UsageException($"--top must be 0 or more (got {top}).");

        var comparison = WeightsComparison.Of(model, against);
        Console.WriteLine($"{model}: sha256 {WeightsComparison.WeightsSha256(model)}");
        Console.WriteLine($"{against}: sha256 {WeightsComparison.WeightsSha256(against)}");
        Console.WriteLine(comparison);
        foreach (var tensor in comparison.Tensors.Where(t => t.Differing > 0).OrderByDescending(t => t.Differing).Take(top))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {tensor.Name}: {tensor.Differing:N0} of {tensor.Values:N0} differ, {tensor.OneStep:N0} by one step, largest " +
                    $"{tensor.Largest:G2}"));
        }
        return 0;
    }
}
