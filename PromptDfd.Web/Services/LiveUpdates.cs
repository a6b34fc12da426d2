using PromptDfd.Engine.Events;
using PromptDfd.Engine.Runs;

namespace PromptDfd.Web.Services;

/// <summary>
/// Follows the hub for a component and hands it the updates in batches at a fixed cadence (at most about five
/// times a second), so a fast run never floods the browser. Dispose it with the component; the run is unaffected.
/// </summary>
public sealed class LiveUpdates : IAsyncDisposable
{
    private readonly RunSubscription subscription;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    /// <param name="replayRecent">start with the hub's last seconds, for a component that reads the store right after
    /// subscribing and drops what the store already had (<see cref="RunEventHub.ReplayWindow"/>)</param>
    public LiveUpdates(RunEventHub hub, string? runId, Func<IReadOnlyList<RunUpdate>, Task> onBatch, TimeSpan? period = null,
        bool replayRecent = false)
    {
        subscription = hub.Subscribe(runId, replayRecent: replayRecent);
        loop = Pump(onBatch, period ?? TimeSpan.FromMilliseconds(200));
    }

    private async Task Pump(Func<IReadOnlyList<RunUpdate>, Task> onBatch, TimeSpan period)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var batch = new List<RunUpdate>();
                while (subscription.Reader.TryRead(out RunUpdate? update)) batch.Add(update);
                if (batch.Count > 0) await onBatch(batch);
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        subscription.Dispose();
        try { await loop; } catch (Exception) when (stop.IsCancellationRequested) { }
        stop.Dispose();
    }
}
