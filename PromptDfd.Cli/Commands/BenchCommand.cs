using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Benchmarks;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Cli.Commands;

public static class BenchCommand
{
    public static int Run(CommandArguments arguments)
    {
        string output = arguments.String("out", Path.Combine(Repository.Workspace.Docs, "benchmarks.md"));
        int threads = arguments.Int("threads", 0);
        int repeats = arguments.Int("repeats", 8);
        int hfSteps = arguments.Int("hf-steps", 4);
        arguments.RejectUnknown();
        if (hfSteps < 0) throw new UsageException($"--hf-steps must be 0 (leave the Hugging Face-shaped run out) or more (got {hfSteps}).");
        TorchRuntime.ConfigureThreads(threads);
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
