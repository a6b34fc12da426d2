using PromptDfd.Engine.Events;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

/// <summary>A page reads the store and follows the hub; the hub's replay of its last seconds is what makes the two meet.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class RunEventHubTests
{
    private static RunUpdate Metric(string runId, int step) => new(runId, new MetricEvent(step, step * 8L, "reward/total", step));

    private static List<int> Steps(RunSubscription subscription)
    {
        var steps = new List<int>();
        while (subscription.Reader.TryRead(out RunUpdate? update)) steps.Add(update.Event!.Step);
        return steps;
    }

    [Fact]
    public void ALateSubscriberThatAsksForTheRecentPastGetsItOnceThenWhatFollows()
    {
        var hub = new RunEventHub();
        for (int step = 1; step <= 3; step++) hub.Publish(Metric("run-a", step));
        hub.Publish(Metric("run-b", 1));

        using RunSubscription replayed = hub.Subscribe("run-a", replayRecent: true);
        using RunSubscription live = hub.Subscribe("run-a");
        hub.Publish(Metric("run-a", 4));

        Assert.Equal([1, 2, 3, 4], Steps(replayed));
        Assert.Equal([4], Steps(live));
    }

    [Fact]
    public void UpdatesOlderThanTheReplayWindowAreNotReplayed()
    {
        var hub = new RunEventHub(TimeSpan.FromMilliseconds(100));
        hub.Publish(Metric("run-a", 1));
        Thread.Sleep(400);
        hub.Publish(Metric("run-a", 2));

        using RunSubscription replayed = hub.Subscribe("run-a", replayRecent: true);

        Assert.Equal([2], Steps(replayed));
    }

    [Fact]
    public void ARunsRecentPastIsForgottenOnceItsLastRecordIsPublishedForItsBatchesAreStoredBeforeIt()
    {
        var hub = new RunEventHub();
        hub.Publish(Metric("run-a", 1));
        hub.Publish(Metric("run-b", 1));
        hub.Publish(new RunUpdate("run-a", Run: new RunRecord { Id = "run-a", Status = RunStatus.Completed }));

        using RunSubscription a = hub.Subscribe("run-a", replayRecent: true);
        using RunSubscription b = hub.Subscribe("run-b", replayRecent: true);

        Assert.False(a.Reader.TryRead(out _));
        Assert.Equal([1], Steps(b));
    }

    [Fact]
    public void ARewoundRunsEarlierAttemptIsNotReplayedButWhatFollowsTheRewindIs()
    {
        var hub = new RunEventHub();
        for (int step = 1; step <= 8; step++) hub.Publish(Metric("run-a", step));
        hub.Publish(new RunUpdate("run-a", RewoundTo: 6));
        hub.Publish(Metric("run-a", 7));

        using RunSubscription replayed = hub.Subscribe("run-a", replayRecent: true);

        Assert.Equal([7], Steps(replayed));
    }

    [Fact]
    public async Task ASubscriberJoiningWhileARunPublishesGetsEveryUpdateExactlyOnceInOrder()
    {
        var hub = new RunEventHub();
        const int Updates = 20_000;
        using var started = new ManualResetEventSlim();
        var publisher = Task.Run(() =>
        {
            for (int step = 0; step < Updates; step++)
            {
                hub.Publish(Metric("run-a", step));
                if (step == 100) started.Set();
            }
        });
        started.Wait(TimeSpan.FromSeconds(30));
        using RunSubscription subscription = hub.Subscribe("run-a", capacity: Updates, replayRecent: true);
        await publisher;

        Assert.Equal(Enumerable.Range(0, Updates), Steps(subscription));
    }
}
