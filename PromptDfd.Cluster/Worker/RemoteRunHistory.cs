using PromptDfd.Cluster.Contracts;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cluster.Worker;

/// <summary>
/// A run's history as a worker writes it: every write joins one ordered queue that is sent to the host in batches, at
/// most <see cref="SendEvery"/> apart, and at once before anything that must be on the host first (a query, a forgotten
/// tail, a checkpoint). The worker never opens the store.
/// </summary>
internal sealed class RemoteRunHistory : IRunHistory, IDisposable
{
    public static readonly TimeSpan SendEvery = TimeSpan.FromMilliseconds(200);

    private readonly IRunHostObserver host;
    private readonly string runId;
    private readonly int attempt;
    private readonly Func<bool> abandoned;
    private readonly bool copiesFolders;
    private readonly Lock queueGate = new();
    // One send at a time, in order; the timer waits for it without blocking a pool thread, the libtorch thread by blocking.
    private readonly SemaphoreSlim sending = new(1, 1);
    private readonly Timer timer;
    private List<HistoryOperation> queue = [];
    private long sequence;

    /// <summary>How long the host may go without taking a report before the worker gives the run up (the host died or restarted;
    /// a restarted host marks the run interrupted and resumes it from its own checkpoint).</summary>
    public static readonly TimeSpan DefaultHostSilence = TimeSpan.FromMinutes(2);

    private readonly TimeSpan hostSilence;
    private DateTime lastHeard = DateTime.UtcNow;

    /// <param name="abandoned">true once the worker is killed: nothing more is sent, as from a process that died</param>
    /// <param name="copiesFolders">false when the host reads this worker's run folders itself (the same process and folders)</param>
    /// <param name="hostSilence">default <see cref="DefaultHostSilence"/></param>
    public RemoteRunHistory(IRunHostObserver host, string runId, int attempt, Func<bool> abandoned, bool copiesFolders = true,
        TimeSpan? hostSilence = null)
    {
        this.hostSilence = hostSilence ?? DefaultHostSilence;
        this.copiesFolders = copiesFolders;
        this.host = host;
        this.runId = runId;
        this.attempt = attempt;
        this.abandoned = abandoned;
        timer = new Timer(_ => _ = SendQuietly(), null, SendEvery, SendEvery);
    }

    public void Update(RunRecord run, RunNoticeEvent? notice = null) => Add(HistoryWire.Update(run, notice));

    public void Publish(RunUpdate update) => Add(HistoryWire.Publish(update));

    public void Append(IReadOnlyCollection<MetricPoint> metrics, IReadOnlyCollection<SampleRecord> samples,
        IReadOnlyCollection<RunEventRecord> events)
    {
        if (metrics.Count + samples.Count + events.Count > 0) Add(HistoryWire.Append(metrics, samples, events));
    }

    public IReadOnlyList<ScheduledSteering> Steering(string id)
    {
        Send();
        return HistoryWire.ReadSteering(Call(() => host.Steering(runId, attempt)));
    }

    public IReadOnlyList<MetricPoint> Metrics(string id, string name)
    {
        Send();
        return HistoryWire.Read<List<MetricPoint>>(Call(() => host.Metrics(runId, attempt, name)));
    }

    public void DeleteAfter(string id, int step)
    {
        Add(HistoryWire.DeleteAfter(step));
        Send();
    }

    /// <summary>Copies the folder to the host, after everything recorded before it, and names the host's copy.</summary>
    public string Saved(RunRecord run, RunFolderKind kind, string folder)
    {
        Send();
        if (!copiesFolders) return folder;
        byte[] packed = FolderArchive.Pack(folder);
        int count = FolderArchive.Chunks(packed.Length);
        string onHost = folder;
        for (int index = 0; index < count; index++)
        {
            byte[] chunk = FolderArchive.Chunk(packed, index);
            onHost = Call(() => host.SaveFolderChunk(runId, attempt, kind, index, count, chunk));
        }
        return onHost;
    }

    private void Add(HistoryOperation operation)
    {
        lock (queueGate) queue.Add(operation with { Sequence = ++sequence });
    }

    /// <summary>Sends what is queued, in order, from the libtorch thread (which may block). A batch that never left or whose answer
    /// was lost (the silo relaying to a command-line host just died) is sent again a few times, which is safe because the host
    /// applies each write once: a checkpoint must not fail the run for it.</summary>
    private void Send()
    {
        sending.Wait();
        try
        {
            Retrying(async () =>
            {
                await SendQueued();
                return true;
            }, error => error is OrleansMessageRejectionException or SiloUnavailableException or TimeoutException);
        }
        finally
        {
            sending.Release();
        }
    }

    /// <summary>
    /// The timer's send (which skips a turn that is taken) and the last one (which waits for it): neither holds a thread while
    /// it waits, and what the host did not take stays queued.
    /// </summary>
    private async Task SendQuietly(bool waitForTurn = false)
    {
        if (waitForTurn) await sending.WaitAsync();
        else if (!await sending.WaitAsync(0)) return;
        try
        {
            await SendQueued();
        }
        // The host may be briefly unreachable; the queue keeps everything for the next tick or the next forced send. A host
        // silent for longer is gone, and training on for nobody would only hold the worker's slot.
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            if (DateTime.UtcNow - lastHeard > hostSilence) GivenUp = true;
        }
        finally
        {
            sending.Release();
        }
    }

    /// <summary>A batch the host did not take stays first in the queue.</summary>
    private async Task SendQueued()
    {
        List<HistoryOperation> batch;
        lock (queueGate) (batch, queue) = (queue, []);
        if (batch.Count == 0) return;
        try
        {
            ThrowIfStopped();
            if (!await host.Report(runId, attempt, batch)) GivenUp = true;
            lastHeard = DateTime.UtcNow;
        }
        catch
        {
            lock (queueGate) queue = [.. batch, .. queue];
            throw;
        }
    }

    /// <summary>The host refused a report: it gave this attempt up (it thought the worker lost) and the run goes on elsewhere.</summary>
    public volatile bool GivenUp;

    /// <summary>Nothing more goes to the host: the worker was killed, or the host gave the run up.</summary>
    private bool Stopped => abandoned() || GivenUp;

    private void ThrowIfStopped()
    {
        if (Stopped) throw new OperationCanceledException("The worker stopped, or the host gave this run up.");
    }

    /// <summary>
    /// Calls the host from the worker's libtorch thread and waits. A call lost on the way (the silo that relays it to a
    /// command-line host left the cluster) is made again a few times; each call may be repeated without harm.
    /// </summary>
    private T Call<T>(Func<Task<T>> call) =>
        Retrying(call, error => error is SiloUnavailableException or TimeoutException or OrleansMessageRejectionException);

    private T Retrying<T>(Func<Task<T>> call, Func<Exception, bool> transient)
    {
        for (int attempt = 1; ; attempt++)
        {
            ThrowIfStopped();
            try
            {
                return call().GetAwaiter().GetResult();
            }
            catch (Exception error) when (attempt < CallAttempts && transient(error))
            {
                Thread.Sleep(RetryAfter);
            }
        }
    }

    private const int CallAttempts = 8;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>Sends the last of the run's history (its final record) and stops the timer.</summary>
    public async Task CloseAsync()
    {
        await timer.DisposeAsync();
        if (!Stopped) await SendQuietly(waitForTurn: true);
    }

    public void Dispose()
    {
        timer.Dispose();
        sending.Dispose();
    }
}
