using System.Threading.Channels;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Events;

/// <summary>A trainer event of a run, or a change of the run's record (status, progress).</summary>
public sealed record RunUpdate(string RunId, TrainerEvent? Event = null, RunRecord? Run = null);

/// <summary>A subscriber's bounded queue of updates; dispose it to stop following.</summary>
public sealed class RunSubscription : IDisposable
{
    private readonly Channel<RunUpdate> channel;
    private readonly Action<RunSubscription> unsubscribe;

    internal RunSubscription(string? runId, int capacity, Action<RunSubscription> unsubscribe)
    {
        RunId = runId;
        this.unsubscribe = unsubscribe;
        // A slow subscriber loses its oldest updates instead of slowing the training thread.
        channel = Channel.CreateBounded<RunUpdate>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        }, _ => Interlocked.Increment(ref dropped));
    }

    private long dropped;
    public string? RunId { get; }
    public ChannelReader<RunUpdate> Reader => channel.Reader;
    public long Dropped => Interlocked.Read(ref dropped);

    internal void Offer(RunUpdate update) => channel.Writer.TryWrite(update);

    public void Dispose()
    {
        unsubscribe(this);
        channel.Writer.TryComplete();
    }
}

/// <summary>
/// Fans run updates out to any number of subscribers (dashboard tabs, the command line, tests). Publishing never
/// blocks: each subscriber has its own bounded queue.
/// </summary>
public sealed class RunEventHub
{
    private readonly Lock gate = new();
    private RunSubscription[] subscribers = [];

    /// <param name="runId">follow one run, or null for every run</param>
    public RunSubscription Subscribe(string? runId = null, int capacity = 20_000)
    {
        var subscription = new RunSubscription(runId, capacity, Remove);
        lock (gate) subscribers = [.. subscribers, subscription];
        return subscription;
    }

    public int SubscriberCount => subscribers.Length;

    public void Publish(RunUpdate update)
    {
        foreach (RunSubscription subscriber in subscribers)
            if (subscriber.RunId is null || subscriber.RunId == update.RunId) subscriber.Offer(update);
    }

    private void Remove(RunSubscription subscription)
    {
        lock (gate) subscribers = subscribers.Where(s => s != subscription).ToArray();
    }
}
