using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cluster;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ClusterPlacementTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task PinnedRunsGoToTheirKindWithoutHoldingUpTheQueueAndAWorkerWithoutTheModelsFetchesThemByContent()
    {
        // Silo_1 has the host's tasks and models; Silo_2, the only "gpu", has nothing but the code.
        await using var cluster = await InProcessRunCluster.Start(workers: 2, kindOf: name => name == "Silo_2" ? "gpu" : "cpu",
            bare: name => name == "Silo_2");
        RunManager manager = cluster.Manager;
        RunRecord absent = manager.Submit(TinyRunEnvironment.Config(steps: 6) with { WorkerKind = "tpu" });
        RunRecord onGpu = manager.Submit(TinyRunEnvironment.Config(steps: 6) with { WorkerKind = "GPU" });
        RunRecord onCpu = manager.Submit(TinyRunEnvironment.Config(steps: 6) with { WorkerKind = "cpu" });

        RunRecord gpuDone = await Finished(cluster, onGpu.Id);
        RunRecord cpuDone = await Finished(cluster, onCpu.Id);
        Assert.Equal((RunStatus.Completed, "Silo_2"), (gpuDone.Status, gpuDone.Worker));
        Assert.Equal((RunStatus.Completed, "Silo_1"), (cpuDone.Status, cpuDone.Worker));

        // The bare worker ran on copies of the host's task, prior and teacher, kept by content hash, with the same result.
        string cache = Path.Combine(cluster.Environment.Root, "workers", "Silo_2", "root", "workspace", "cluster-inputs");
        Assert.Equal(3, Directory.GetDirectories(cache).Length);
        Assert.Equal(Curves(cluster.Store, onCpu.Id), Curves(cluster.Store, onGpu.Id));
        Assert.Equal(cpuDone.Hashes, gpuDone.Hashes);

        // Nobody can take the first run in the queue: it waits, says why, and leaves when cancelled.
        RunRecord waiting = cluster.Store.Get(absent.Id)!;
        Assert.Equal((RunStatus.Queued, "waiting for a worker of kind 'tpu'"), (waiting.Status, waiting.Phase));
        Assert.Contains(cluster.Store.Events(absent.Id), e => e.Message.Contains("no worker of kind 'tpu' is in the cluster",
            StringComparison.Ordinal));
        manager.Cancel(absent.Id);
        Assert.Equal(RunStatus.Cancelled, (await Finished(cluster, absent.Id)).Status);
    }

    private static List<(string, int, double)> Curves(RunStore store, string runId) =>
        [.. store.Metrics(runId).Where(m => !MetricNames.IsTiming(m.Name)).Select(m => (m.Name, m.Step, m.Value)).Order()];

    private static async Task<RunRecord> Finished(InProcessRunCluster cluster, string runId)
    {
        try
        {
            return await cluster.Manager.WhenFinished(runId).WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"run {runId} did not finish: {RunStory.Of(cluster.Store, runId)}");
        }
    }
}
