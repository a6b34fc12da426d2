using System.Diagnostics;
using System.Globalization;
using System.Text;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Cluster;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Benchmarks;

/// <summary>
/// The same small experiment (shipped sentiment task, 4 cells) through `experiment --cluster` on 1, 2 and 4 worker processes
/// of one thread each, on this machine; written into docs/benchmarks.md:
/// <c>PROMPTDFD_BENCHMARK=cluster dotnet test PromptDfd.sln --filter FullyQualifiedName~ClusterScalingBenchmark</c>.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ClusterScalingBenchmark
{
    private const int Cells = 4, Steps = 10;

    private sealed record Measurement(int Workers, TimeSpan Wall, double RunMinutes, double IdleSecondsPerRun);

    [BenchmarkFact("cluster")]
    public async Task OneTwoAndFourWorkerProcessesRunTheSameExperiment()
    {
        string root = RepositoryRoot.Find() ?? throw new InvalidOperationException("run it from the repository");
        var measurements = new List<Measurement>();
        foreach (int workers in new[] { 1, 2, 4 }) measurements.Add(await Measure(root, workers));
        string path = Path.Combine(root, "docs", "benchmarks.md");
        File.WriteAllText(path, DashboardLatencyBenchmarkTests.WithSection(File.ReadAllText(path), Report(measurements)));
    }

    private static async Task<Measurement> Measure(string root, int workers)
    {
        using var scratch = new TemporaryFolder();
        string store = Path.Combine(scratch.Path, "promptdfd.db");
        using var cluster = new LoopbackCluster(root, scratch.Path);
        for (int i = 1; i <= workers; i++) cluster.StartWorker($"worker-{i}");
        var clock = Stopwatch.StartNew();
        using Process experiment = cluster.Start(["experiment", .. cluster.Join, "--tasks", "sentiment", "--rows", "promptdfd", "--seeds",
            string.Join(',', Enumerable.Range(1, Cells)), "--steps", $"{Steps}", "--store", store, "--runs",
            Path.Combine(scratch.Path, "runs"), "--out", Path.Combine(scratch.Path, "table.md"), "--threads", "1"]);
        Task<string> output = experiment.StandardOutput.ReadToEndAsync(), error = experiment.StandardError.ReadToEndAsync();
        await experiment.WaitForExitAsync();
        Assert.True(experiment.ExitCode == 0, $"{await error}\n{await output}");
        TimeSpan wall = clock.Elapsed;
        using var runs = new RunStore(store);
        var all = runs.All();
        Assert.Equal(Cells, all.Count);
        // A worker's idle time between runs: from its previous run's end (or the run's queueing) to this run's start.
        var idle = new List<double>();
        foreach (var byWorker in all.GroupBy(r => r.Worker))
        {
            DateTime? free = null;
            foreach (RunRecord run in byWorker.OrderBy(r => r.StartedAt))
            {
                DateTime ready = free is { } end && end > run.CreatedAt ? end : run.CreatedAt;
                idle.Add((run.StartedAt!.Value - ready).TotalSeconds);
                free = run.FinishedAt;
            }
        }
        return new Measurement(workers, wall, all.Average(r => r.SecondsRunning) / 60, idle.Average());
    }

    private static string Report(IReadOnlyList<Measurement> measurements)
    {
        var text = new StringBuilder()
            .AppendLine("## Runs on 1, 2 and 4 worker processes")
            .AppendLine()
            .Append(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, ")
            .Append(CultureInfo.InvariantCulture, $"{TorchRuntime.Describe()}; Debug build; redis-server and every worker on this machine, ")
            .Append(CultureInfo.InvariantCulture, $"each worker with one libtorch thread. The experiment: the shipped sentiment task, ")
            .AppendLine(CultureInfo.InvariantCulture, $"`promptdfd`, {Cells} seeds, {Steps} steps (`experiment --cluster`).")
            .AppendLine("Reproduce: `PROMPTDFD_BENCHMARK=cluster dotnet test PromptDfd.sln --filter " +
                "FullyQualifiedName~ClusterScalingBenchmark` (it rewrites this section).")
            .AppendLine()
            .AppendLine("| workers | wall time, min | speed-up | mean run, min | worker idle before a run, s |")
            .AppendLine("|---:|---:|---:|---:|---:|");
        double one = measurements[0].Wall.TotalMinutes;
        foreach (Measurement m in measurements)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Workers} | {m.Wall.TotalMinutes:F2} | {one / m.Wall.TotalMinutes:F2}× | {m.RunMinutes:F2} | {m.IdleSecondsPerRun:F1} |");
        text.AppendLine()
            .AppendLine("The idle column is the scheduling overhead per run: how long a worker with a free slot waited before the run " +
                "started there (the dispatcher looks for free workers once a second). With more worker processes than cores, the " +
                "runs share the cores, so each run takes longer and the speed-up stops at about the number of cores.");
        return text.ToString();
    }
}
