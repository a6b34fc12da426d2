using PromptDfd.Engine.Benchmarks;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Cli.Commands;

public static class BenchCommand
{
    public static int Run(CommandArguments arguments)
    {
        string output = arguments.String("out", Path.Combine(RepositoryPaths.Docs, "benchmarks.md"));
        int threads = arguments.Int("threads", 0);
        int repeats = arguments.Int("repeats", 8);
        arguments.RejectUnknown();
        TorchRuntime.ConfigureThreads(threads);
        var benchmark = new EngineBenchmark(new BenchmarkConfig { Repeats = repeats, GenerationModelFolder = RepositoryPaths.PriorModel }, Console.WriteLine);
        benchmark.Run();
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
