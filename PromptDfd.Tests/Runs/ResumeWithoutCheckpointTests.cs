using PromptDfd.Engine.Events;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

/// <summary>Resuming a run that has no checkpoint: from step 0 once when none was saved, refused when a saved one is gone.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ResumeWithoutCheckpointTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();

    /// <summary>A run as a process killed while it loaded its models leaves it: interrupted, with step 0 partly written.</summary>
    private RunRecord Interrupted(RunStore store, int checkpointStep = 0, string? checkpointFolder = null)
    {
        RunConfig config = RunBuilder.Complete(TinyRunEnvironment.Config(steps: 2), environment.Environment);
        var run = new RunRecord
        {
            Id = $"killed-{Guid.NewGuid():N}"[..16],
            Name = "killed",
            Task = config.Task,
            Status = RunStatus.Interrupted,
            ConfigJson = config.ToJson(),
            TotalSteps = 2,
            CreatedAt = DateTime.UtcNow,
            CheckpointStep = checkpointStep,
            CheckpointFolder = checkpointFolder,
        };
        store.Insert(run);
        store.Append([new MetricPoint { RunId = run.Id, Step = 0, Name = MetricNames.StudentAccuracy, Value = 0.5 }], [], []);
        return run;
    }

    [Fact]
    public async Task ARunStoppedBeforeItsFirstCheckpointStartsAgainWithOneStepZeroEvaluation()
    {
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment);
        manager.Start();
        RunRecord run = Interrupted(store);
        Assert.True(run.CanResume);

        manager.Resume(run.Id);
        RunRecord done = await manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal([0, 2], store.Metrics(run.Id, MetricNames.StudentAccuracy).Select(m => m.Step));
        Assert.Contains(store.Events(run.Id), e => e.Message.Contains("starts again from step 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARunWhoseSavedCheckpointIsGoneFailsSayingSoInsteadOfStartingOver()
    {
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment);
        manager.Start();
        string missing = Path.Combine(environment.Root, "runs", "gone", "checkpoint");
        RunRecord run = Interrupted(store, checkpointStep: 1, checkpointFolder: missing);

        manager.Resume(run.Id);
        RunRecord done = await manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains($"its checkpoint at step 1 ({missing}) is missing", done.Error);
        Assert.Single(store.Metrics(run.Id, MetricNames.StudentAccuracy));
    }

    public void Dispose() => environment.Dispose();
}
