using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cluster;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ClusterFailoverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ARunWhoseWorkerIsKilledResumesOnAnotherWithTheCurvesOfAnUninterruptedRun()
    {
        await using var cluster = await InProcessRunCluster.Start(workers: 3);
        RunManager manager = cluster.Manager;
        RunRecord victim = manager.Submit(TinyRunEnvironment.Config(steps: 40));
        RunRecord twin = manager.Submit(TinyRunEnvironment.Config(steps: 40));
        RunRecord other = manager.Submit(TinyRunEnvironment.Config(seed: 2, steps: 12));

        await WaitUntil(() => cluster.Store.Get(victim.Id) is { CheckpointStep: >= 4, Status: RunStatus.Running },
            () => Story(cluster, victim.Id));
        string killed = cluster.Dispatcher.Placements[victim.Id];
        await cluster.Kill(killed);

        RunRecord resumed = await cluster.Finished(victim.Id, Patience);
        RunRecord uninterrupted = await cluster.Finished(twin.Id, Patience);
        Assert.Equal(RunStatus.Completed, (await cluster.Finished(other.Id, Patience)).Status);
        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.Equal(RunStatus.Completed, uninterrupted.Status);
        Assert.NotEqual(killed, resumed.Worker);
        Assert.Contains(cluster.Store.Events(victim.Id), e => e.Message.Contains($"worker {killed} was lost", StringComparison.Ordinal));
        Assert.True(new[] { victim, twin, other }.Select(r => cluster.Store.Get(r.Id)!.Worker).Distinct().Count() >= 2,
            "the runs were spread over the workers");

        Assert.Equal(Enumerable.Range(1, 40), cluster.Store.Metrics(victim.Id, MetricNames.StudentKdLoss).Select(m => m.Step));
        Assert.Equal(cluster.Curves(twin.Id), cluster.Curves(victim.Id));
        Assert.Equal(resumed.ReportedAccuracy, uninterrupted.ReportedAccuracy);
        Assert.True(File.Exists(Path.Combine(resumed.StudentFolder!, "model.safetensors")), "the student came back to the host");
        Assert.StartsWith(cluster.Environment.Environment.RunFolder(victim.Id), resumed.StudentFolder!, StringComparison.Ordinal);
    }

    private static async Task WaitUntil(Func<bool> condition, Func<string> story)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"condition not reached: {story()}");
            await Task.Delay(20);
        }
    }

    private static string Story(InProcessRunCluster cluster, string runId) => RunStory.Of(cluster.Store, runId);
}
