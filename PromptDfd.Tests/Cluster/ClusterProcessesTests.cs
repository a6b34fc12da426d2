using System.Diagnostics;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cluster;

/// <summary>
/// The cluster as users run it: Debian's redis-server for membership, a dashboard and two `promptdfd worker` processes on
/// loopback, and `experiment --cluster` handing its cells to the workers. One worker is killed with SIGKILL mid-run.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ClusterProcessesTests : IDisposable
{
    private const int Steps = 40;

    /// <summary>The tiny run's settings (TinyRunEnvironment.Config) as an experiment's overrides.</summary>
    private static readonly string[] TinySettings =
    [
        "Training.Prompter.PromptLength=3", "Training.Prompter.PrefixLength=2", "Training.Content.MaxNewTokens=8",
        "Training.Distillation.BatchSize=8", "Training.Distillation.LearningRate=0.003", "Training.Schedule.SamplesPerStep=8",
        "Training.Schedule.EvaluateEvery=3", "Training.Schedule.CheckpointEvery=2", "Training.Schedule.QualityWindow=16",
        "Student.Layers=1", "Student.Width=16", "Student.Heads=2",
    ];
    private readonly TinyRunEnvironment environment = new();

    [Fact]
    public async Task AnExperimentOnTwoWorkerProcessesCompletesItsTableWhenOneIsKilledMidRun()
    {
        using var cluster = new LoopbackCluster(environment.Root);
        Process dashboard = cluster.StartDashboard();
        var workers = new[] { "worker-a", "worker-b" }.ToDictionary(name => name, name => cluster.StartWorker(name));
        string table = Path.Combine(environment.Root, "results.md");
        Process experiment = cluster.Start(["experiment", .. cluster.Join, "--tasks", TinyRunEnvironment.TaskName, "--rows",
            "promptdfd", "--seeds", "1,2,3", "--steps", $"{Steps}", "--root", environment.Root, "--out", table, "--threads", "1",
            .. TinySettings.SelectMany(setting => new[] { "--set", setting })]);
        Task<string> experimentOutput = experiment.StandardOutput.ReadToEndAsync();
        Task<string> experimentError = experiment.StandardError.ReadToEndAsync();

        // Kill the worker of the first run to pass its first checkpoint, as a machine that loses power would go.
        string killed = await WorkerOfARunPastItsFirstCheckpoint(experiment, experimentError);
        workers[killed].Kill(entireProcessTree: true);

        await LoopbackCluster.Succeeded(experiment, experimentOutput, experimentError, Stories);
        Assert.False(dashboard.HasExited, "the dashboard kept running");
        using var store = new RunStore(environment.StorePath);
        var runs = store.All();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, run => Assert.True(run.Status == RunStatus.Completed, $"run {run.Id} is {run.Status} at step {run.Step} on " +
            $"{run.Worker}: {string.Join(" / ", store.Events(run.Id).TakeLast(6).Select(e => e.Message))}"));
        foreach (RunRecord run in runs)
            Assert.True(Enumerable.Range(1, Steps).SequenceEqual(store.Metrics(run.Id, MetricNames.StudentKdLoss).Select(m => m.Step)),
                $"run {run.Id} has broken curves: {string.Join(",", store.Metrics(run.Id, MetricNames.StudentKdLoss).Select(m => m.Step))}; " +
                    Stories());
        RunRecord moved = Assert.Single(runs, r => store.Events(r.Id).Any(e => e.Message.Contains($"worker {killed} was lost",
            StringComparison.Ordinal)));
        Assert.NotEqual(killed, moved.Worker);
        Assert.Contains("| promptdfd", File.ReadAllText(table), StringComparison.Ordinal);
    }

    private string Stories()
    {
        using var store = new RunStore(environment.StorePath);
        return RunStory.OfAll(store);
    }

    private async Task<string> WorkerOfARunPastItsFirstCheckpoint(Process experiment, Task<string> error)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            if (experiment.HasExited) Assert.Fail("the experiment ended before a worker could be killed: " + await error);
            Assert.True(DateTime.UtcNow < deadline, "no run reached its first checkpoint on a worker within two minutes");
            if (File.Exists(environment.StorePath))
            {
                using var store = new RunStore(environment.StorePath);
                if (store.All().FirstOrDefault(r => r is { Status: RunStatus.Running, CheckpointStep: >= 4, Step: < Steps - 10 })
                    is { Worker: { } worker }) return worker;
            }
            await Task.Delay(50);
        }
    }

    public void Dispose() => environment.Dispose();
}
