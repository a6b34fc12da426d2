using System.Threading.Channels;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Events;

/// <summary>A trainer event of a run, a change of the run's record (status, progress), or the news that the store dropped
/// the run's steps after <paramref name="RewoundTo"/> because the run went back to a checkpoint.</summary>
public sealed record RunUpdate(string RunId, TrainerEvent? Event = null, RunRecord? Run = null, int? RewoundTo = null);

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
/// <remarks>
/// Updates are published the moment they happen and reach the store up to a second later, in batches. A page that reads
/// the store and then follows the hub would miss what fell between the two, so the hub keeps the last
/// <see cref="ReplayWindow"/> of updates and hands them to a subscriber that asks for them; the page then drops what its
/// store read already had.
/// </remarks>
public sealed class RunEventHub(TimeSpan? replayWindow = null)
{
    private readonly Lock gate = new();
    private readonly Queue<(long At, RunUpdate Update)> recent = new();
    private RunSubscription[] subscribers = [];

    /// <summary>How far back a new subscriber can ask to be replayed: well beyond the store's slowest batch.</summary>
    public TimeSpan ReplayWindow { get; } = replayWindow ?? TimeSpan.FromSeconds(10);

    /// <param name="runId">follow one run, or null for every run</param>
    /// <param name="replayRecent">first receive the updates of the last <see cref="ReplayWindow"/>, each exactly once</param>
    public RunSubscription Subscribe(string? runId = null, int capacity = 20_000, bool replayRecent = false)
    {
        var subscription = new RunSubscription(runId, capacity, Remove);
        lock (gate)
        {
            if (replayRecent)
            {
                DropExpired();
                foreach (var (_, update) in recent) if (Follows(subscription, update)) subscription.Offer(update);
            }
            subscribers = [.. subscribers, subscription];
        }
        return subscription;
    }

    public int SubscriberCount => subscribers.Length;

    public void Publish(RunUpdate update)
    {
        RunSubscription[] current;
        // One lock for keeping the update and reading the subscribers: a subscriber that joins meanwhile gets it either
        // replayed or offered, never both.
        lock (gate)
        {
            // A run's last record comes after its last batch was stored, and a rewind follows the store's: from then on the
            // store alone tells the story so far.
            if (update.Run is { IsActive: false } || update.RewoundTo is not null) Forget(update.RunId);
            else recent.Enqueue((Environment.TickCount64, update));
            DropExpired();
            current = subscribers;
        }
        foreach (RunSubscription subscriber in current)
            if (Follows(subscriber, update)) subscriber.Offer(update);
    }

    private static bool Follows(RunSubscription subscriber, RunUpdate update) => subscriber.RunId is null || subscriber.RunId == update.RunId;

    private void Forget(string runId)
    {
        var kept = recent.Where(r => r.Update.RunId != runId).ToList();
        recent.Clear();
        foreach (var entry in kept) recent.Enqueue(entry);
    }

    private void DropExpired()
    {
        long oldest = Environment.TickCount64 - (long)ReplayWindow.TotalMilliseconds;
        while (recent.Count > 0 && recent.Peek().At < oldest) recent.Dequeue();
    }

    private void Remove(RunSubscription subscription)
    {
        lock (gate) subscribers = subscribers.Where(s => s != subscription).ToArray();
    }
}
