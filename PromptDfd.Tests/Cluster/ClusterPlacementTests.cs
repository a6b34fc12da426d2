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
        cluster.Environment.SaveStudentBody("models/student-body", seed: 5);
        RunConfig fromBody = TinyRunEnvironment.Config(steps: 6) with { StudentBodyFolder = "models/student-body" };
        RunRecord absent = manager.Submit(TinyRunEnvironment.Config(steps: 6) with { WorkerKind = "tpu" });
        RunRecord onGpu = manager.Submit(fromBody with { WorkerKind = "GPU" });
        RunRecord onCpu = manager.Submit(fromBody with { WorkerKind = "cpu" });

        RunRecord gpuDone = await cluster.Finished(onGpu.Id, Patience);
        RunRecord cpuDone = await cluster.Finished(onCpu.Id, Patience);
        Assert.Equal((RunStatus.Completed, "Silo_2"), (gpuDone.Status, gpuDone.Worker));
        Assert.Equal((RunStatus.Completed, "Silo_1"), (cpuDone.Status, cpuDone.Worker));

        // The bare worker ran on copies of the host's task, prior, teacher and student's starting model, kept by content hash, with
        // the same result.
        string cache = Path.Combine(cluster.Environment.Root, "workers", "Silo_2", "root", "workspace", "cluster-inputs");
        Assert.Equal(4, Directory.GetDirectories(cache).Length);
        Assert.Contains("student_body", gpuDone.Hashes.Keys);
        Assert.Equal(cluster.Curves(onCpu.Id), cluster.Curves(onGpu.Id));
        Assert.Equal(cpuDone.Hashes, gpuDone.Hashes);

        // Nobody can take the first run in the queue: it waits, says why, and leaves when cancelled.
        RunRecord waiting = cluster.Store.Get(absent.Id)!;
        Assert.Equal((RunStatus.Queued, "waiting for a worker of kind 'tpu'"), (waiting.Status, waiting.Phase));
        Assert.Contains(cluster.Store.Events(absent.Id), e => e.Message.Contains("no worker of kind 'tpu' is in the cluster",
            StringComparison.Ordinal));
        manager.Cancel(absent.Id);
        Assert.Equal(RunStatus.Cancelled, (await cluster.Finished(absent.Id, Patience)).Status);
    }
}
