using PromptDfd.Engine.Events;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

/// <summary>
/// A run whose owning process died (a command-line run killed while the dashboard was open) is found by the dashboard's
/// run manager while it runs, not only at its next start: it turns interrupted, so the page offers Resume.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class OrphanedRunTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();

    [Fact]
    public async Task ARunOfADeadProcessTurnsInterruptedWhileTheManagerRunsAndSubscribersHearOfIt()
    {
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment)
        {
            OrphanCheckInterval = TimeSpan.FromMilliseconds(100),
        };
        manager.Start();
        using var subscription = manager.Hub.Subscribe("orphan");
        // A process id that cannot be alive with this start time, as a killed command-line run leaves behind.
        string deadOwner = $"{Environment.MachineName}:{int.MaxValue - 7}:1";
        var live = new RunRecord { Id = "alive", Status = RunStatus.Running, Owner = Engine.Runs.ProcessOwner.Current, CreatedAt = DateTime.UtcNow };
        store.Insert(new RunRecord { Id = "orphan", Status = RunStatus.Running, Owner = deadOwner, CreatedAt = DateTime.UtcNow, Step = 7 });
        store.Insert(live);

        RunUpdate update = await subscription.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(RunStatus.Interrupted, update.Run?.Status);
        RunRecord orphan = store.Get("orphan")!;
        Assert.Equal(RunStatus.Interrupted, orphan.Status);
        Assert.Contains(store.Events("orphan"), e => e.Kind == RunEventKinds.Status && e.Message.Contains("resume", StringComparison.Ordinal));
        // A run of a live process is left alone.
        Assert.Equal(RunStatus.Running, store.Get("alive")!.Status);
    }

    public void Dispose() => environment.Dispose();
}
