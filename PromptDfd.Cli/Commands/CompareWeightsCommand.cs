using System.CommandLine;
using System.Globalization;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;

namespace PromptDfd.Cli.Commands;

/// <summary>Tells a re-created checkpoint that differs only by rounding from one that really changed.</summary>
public sealed class CompareWeightsCommand : CliCommand
{
    private readonly Option<string> model = new("--model")
    {
        Description = "a checkpoint folder, or a weights file (.safetensors or pytorch_model.bin)",
        Required = true,
    };
    private readonly Option<string> against = new("--against") { Description = "the checkpoint to compare it with", Required = true };
    private readonly Option<int> top = CliOptions.Whole("--top", "how many of the most changed tensors to list", 5, minimum: 0);

    public CompareWeightsCommand() : base("compare-weights", "compare two checkpoints of one architecture value by value: how many " +
        "values differ, and by how many rounding steps") => AddOptions(model, against, top);

    protected override int Run(ParseResult parsed)
    {
        string model = parsed.GetValue(this.model)!, against = parsed.GetValue(this.against)!;
        int top = parsed.GetValue(this.top);

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
