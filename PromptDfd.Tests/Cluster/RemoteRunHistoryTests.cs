using Orleans.Runtime;
using PromptDfd.Cluster.Contracts;
using PromptDfd.Cluster.Worker;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Runs;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cluster;

/// <summary>How a worker's history reaches the host, against stand-in hosts that answer, refuse, or are gone.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class RemoteRunHistoryTests
{
    private sealed class StandInHost(Func<IReadOnlyList<HistoryOperation>, bool> report) : IRunHostObserver
    {
        public List<HistoryOperation> Received { get; } = [];

        public Task<bool> Report(string runId, int attempt, IReadOnlyList<HistoryOperation> operations)
        {
            bool taken = report(operations);
            if (taken) lock (Received) Received.AddRange(operations);
            return Task.FromResult(taken);
        }

        public Task<string> Steering(string runId, int attempt) => Task.FromResult("[]");
        public Task<string> Metrics(string runId, int attempt, string name) => Task.FromResult("[]");
        public Task<byte[]> CheckpointChunk(string runId, int attempt, int index) => throw new NotSupportedException();
        public Task<RunInputChunk> InputChunk(string hash, int index) => throw new NotSupportedException();
        public Task<string> SaveFolderChunk(string runId, int attempt, RunFolderKind kind, int index, int count, byte[] data) =>
            throw new NotSupportedException();
    }

    private static RunUpdate Log(int step) => new("run-1", new LogEvent(step, $"step {step}"));

    private static async Task<bool> Eventually(Func<bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(20))
            if (condition()) return true;
        return condition();
    }

    [Fact]
    public async Task WritesReachTheHostInTheOrderTheyWereMade()
    {
        var host = new StandInHost(_ => true);
        using var history = new RemoteRunHistory(host, "run-1", attempt: 1, abandoned: () => false);
        for (int step = 1; step <= 20; step++) history.Publish(Log(step));
        Assert.True(await Eventually(() => { lock (host.Received) return host.Received.Count == 20; }));
        Assert.Equal(Enumerable.Range(1, 20).Select(s => $"step {s}"),
            host.Received.Select(o => ((LogEvent)HistoryWire.Read<RunUpdate>(o.Json).Event!).Message));
        Assert.False(history.GivenUp);
    }

    [Fact]
    public void AForcedSendThatNeverLeftIsMadeAgainInsteadOfFailingTheRun()
    {
        // The silo relaying to a command-line host died (a worker killed mid-experiment): two sends are rejected before the
        // client finds another gateway.
        int rejected = 0;
        var host = new StandInHost(_ => Interlocked.Increment(ref rejected) > 2
            ? true
            : throw new SiloUnavailableException("the silo that relays to the host is gone"));
        using var history = new RemoteRunHistory(host, "run-1", attempt: 1, abandoned: () => false);

        history.DeleteAfter("run-1", 6);

        var operation = Assert.Single(host.Received);
        Assert.Equal(HistoryOperationKind.DeleteAfter, operation.Kind);
        Assert.False(history.GivenUp);
    }

    [Fact]
    public void WritesNumberedFromOneAndABatchSentAgainAfterALostAnswerIsAppliedOnceByTheHost()
    {
        // The host takes the batch, but its answer is lost with the silo that relayed it; the worker sends the batch again.
        var applied = new List<long>();
        var ledger = new AppliedHistory();
        int answers = 0;
        var host = new StandInHost(batch =>
        {
            applied.AddRange(batch.Where(ledger.Takes).Select(o => o.Sequence));
            return Interlocked.Increment(ref answers) > 1 ? true : throw new TimeoutException("the answer died with the relaying silo");
        });
        using var history = new RemoteRunHistory(host, "run-1", attempt: 1, abandoned: () => false);

        history.Publish(Log(1));
        history.Publish(Log(2));
        history.DeleteAfter("run-1", 2);

        Assert.Equal([1L, 2L, 3L], applied);
        Assert.Equal([1L, 2L, 3L], host.Received.Select(o => o.Sequence));
    }

    [Fact]
    public async Task AHostThatRefusesTheAttemptOrStaysSilentTooLongMakesTheWorkerGiveTheRunUp()
    {
        using var refused = new RemoteRunHistory(new StandInHost(_ => false), "run-1", attempt: 1, abandoned: () => false);
        refused.Publish(Log(1));
        Assert.True(await Eventually(() => refused.GivenUp), "a refused attempt is given up");

        var unreachable = new StandInHost(_ => throw new TimeoutException("no answer"));
        using var silent = new RemoteRunHistory(unreachable, "run-1", attempt: 1, abandoned: () => false,
            hostSilence: TimeSpan.FromSeconds(3));
        silent.Publish(Log(1));
        await Task.Delay(300);
        Assert.False(silent.GivenUp, "a short silence is waited out");
        Assert.True(await Eventually(() => silent.GivenUp), "a long silence gives the run up");
    }
}
