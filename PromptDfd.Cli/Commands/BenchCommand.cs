using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Benchmarks;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Cli.Commands;

public sealed class BenchCommand : CliCommand
{
    private readonly Option<string> output = CliOptions.Text("--out", "where to write the results",
        Path.Combine(Repository.Workspace.Docs, "benchmarks.md"));
    private readonly Option<int> threads = CliOptions.Threads();
    private readonly Option<int> repeats = CliOptions.Whole("--repeats", "timed repetitions of each measurement", 8, minimum: 1);
    private readonly Option<int> hfSteps = CliOptions.Whole("--hf-steps", "training steps of the run at Hugging Face shapes (gpt2 " +
        "prior, bert-base teacher); 0 leaves it out", 4, minimum: 0);

    public BenchCommand() : base("bench", "measure matmul peak, training MFU, KV-cache generation and classifier throughput " +
        "(docs/benchmarks.md)") => AddOptions(output, threads, repeats, hfSteps);

    protected override int Run(ParseResult parsed)
    {
        string output = parsed.GetValue(this.output)!;
        int repeats = parsed.GetValue(this.repeats), hfSteps = parsed.GetValue(this.hfSteps);
        TorchRuntime.ConfigureThreads(parsed.GetValue(threads));
        var benchmark = new EngineBenchmark(new BenchmarkConfig { Repeats = repeats, GenerationModelFolder = Repository.Workspace.Prior },
            Console.WriteLine);
        benchmark.Run();
        if (hfSteps > 0)
        {
            // About 15 s a step on 2 cores: what a user distilling gpt2 + bert-base downloads should expect.
            var shapes = new HuggingFaceShapesBenchmark(TaskDataset.Load(Path.Combine(Repository.Workspace.Tasks, "sentiment")), hfSteps,
                Console.WriteLine);
            shapes.Run();
            benchmark.Results.AddRange(shapes.Results);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllText(output, benchmark.ToMarkdown("dotnet run --project PromptDfd.Cli -c Release -- bench") + Targets(benchmark));
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    private static string Targets(EngineBenchmark benchmark)
    {
        double mfu = benchmark.Results.First(r => r.Unit == "%").Value;
        double speedup = benchmark.Results.First(r => r.Name == "KV-cache speed-up").Value;
        return $"\n## Targets\n\n| target | measured | met |\n|---|---|---|\n" +
               $"| training MFU >= 60% of the measured matmul peak | {mfu:F1}% | {(mfu >= 60 ? "yes" : "no")} |\n" +
               $"| KV-cache generation >= 5x faster than recomputation | {speedup:F1}x | {(speedup >= 5 ? "yes" : "no")} |\n";
    }
}
