using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptDfd.Cluster.Contracts;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cluster.Host;

/// <summary>
/// The run manager's way to the cluster: hands each queued run to a worker with a free slot, receives the run's history
/// from it (this process alone writes the store), keeps each checkpoint and student the worker saves, and asks busy
/// workers every <see cref="DispatcherOptions.CheckEvery"/> whether they still execute their runs. A worker that stops
/// answering is lost: its run fails over (the run manager queues it to resume elsewhere from the host's checkpoint), and
/// anything its attempt still sends is refused.
/// </summary>
public sealed class ClusterDispatcher : IRunDispatcher, IRunHostObserver, IDisposable
{
    private readonly IGrainFactory grains;
    private readonly RunEnvironment environment;
    private readonly DispatcherOptions options;
    private readonly ILogger<ClusterDispatcher> log;
    private readonly ConcurrentDictionary<string, Assignment> current = new();
    private readonly Timer watchdog;
    private readonly Lock referenceGate = new();
    private IRunHostObserver? reference;
    private readonly InputLibrary inputs = new();
    private readonly Lock waitingGate = new();
    private readonly List<Waiter> waiting = [];
    private readonly SemaphoreSlim wake = new(0);
    private readonly ConcurrentDictionary<string, int> starting = new();
    private readonly CancellationTokenSource stopped = new();
    private int attempts;
    private int checking;

    public ClusterDispatcher(IGrainFactory grains, RunEnvironment environment, IOptions<DispatcherOptions> options,
        ILogger<ClusterDispatcher> log)
    {
        this.grains = grains;
        this.environment = environment;
        this.options = options.Value;
        this.log = log;
        watchdog = new Timer(_ => _ = CheckWorkers(), null, this.options.CheckEvery, this.options.CheckEvery);
        _ = Task.Run(Schedule);
    }

    /// <summary>Which worker executes which run now (run id → worker name), for the dashboard.</summary>
    public IReadOnlyDictionary<string, string> Placements =>
        current.Values.Where(a => !a.Ended.Task.IsCompleted).ToDictionary(a => a.RunId, a => a.WorkerName);

    /// <summary>Every silo of the cluster now: its worker's description and how fast it answered, or why it did not.</summary>
    public async Task<IReadOnlyList<WorkerHealth>> Survey(CancellationToken cancellation = default)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellation).WaitAsync(options.AnswerWithin, cancellation);
        var answers = await Task.WhenAll(hosts.Keys.Select(async silo =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                WorkerDescription worker = await Worker(silo.ToParsableString()).Describe().WaitAsync(options.AnswerWithin, cancellation);
                return new WorkerHealth(worker.Address, worker, clock.Elapsed, null);
            }
            catch (Exception error) when (error is not OutOfMemoryException && !cancellation.IsCancellationRequested)
            {
                // A silo that cannot describe itself (stuck, or leaving) gets no run.
                return new WorkerHealth(silo.ToParsableString(), null, clock.Elapsed, error is TimeoutException
                    ? $"no answer within {options.AnswerWithin.TotalSeconds:0.#} s" : error.Message);
            }
        }));
        return [.. answers.OrderBy(h => h.Worker?.Name ?? "~", StringComparer.Ordinal).ThenBy(h => h.Address, StringComparer.Ordinal)];
    }

    /// <summary>Every worker that answers now, with its free slots and runs.</summary>
    public async Task<IReadOnlyList<WorkerDescription>> Workers(CancellationToken cancellation = default) =>
        [.. (await Survey(cancellation)).Select(h => h.Worker).OfType<WorkerDescription>()];

    /// <summary>The workers, or none while the cluster cannot be asked (this silo still starting, a membership change).</summary>
    private async Task<IReadOnlyList<WorkerDescription>> WorkersOrNone(CancellationToken cancellation)
    {
        try
        {
            return await Workers(cancellation);
        }
        catch (Exception error) when (error is not OutOfMemoryException && !cancellation.IsCancellationRequested)
        {
            return [];
        }
    }

    public async Task<Task> Start(RunRecord run, RunControl control, bool resume, IRunHistory history, CancellationToken cancellation)
    {
        IRunHostObserver self = Reference();
        RunConfig config = RunConfig.FromJson(run.ConfigJson, $"config of run {run.Id}");
        var waiter = new Waiter(run, history, config.WorkerKind);
        lock (waitingGate) waiting.Add(waiter);
        wake.Release();
        try
        {
            while (true)
            {
                WorkerDescription worker = await waiter.Offered().WaitAsync(cancellation);
                lock (waitingGate) waiter.Take();
                IReadOnlyList<RunInput> inputs;
                try
                {
                    // Named at each start, so a worker gets the models as they are now; a run whose models cannot be read
                    // fails here with the reason instead of going from worker to worker. The host's own worker reads them
                    // where they are.
                    inputs = SharesFolders(worker) ? [] : await Task.Run(() => this.inputs.Describe(config, environment), cancellation);
                }
                catch
                {
                    Started(worker.Address);
                    throw;
                }
                try
                {
                    return await StartOn(worker, inputs, run, control, resume, history, self);
                }
                catch (Exception error) when (error is not OutOfMemoryException && !cancellation.IsCancellationRequested)
                {
                    // Taken meanwhile, or gone: another worker (or this one, later) gets the run.
                    log.WorkerRefusedRun(worker.Name, run.Id, error.Message);
                    lock (waitingGate) waiter.Refused();
                }
                finally
                {
                    Started(worker.Address);
                }
            }
        }
        finally
        {
            lock (waitingGate)
            {
                waiting.Remove(waiter);
                // Cancelled with an offer in hand: the slot it held for the run is free again.
                if (waiter.Untaken() is { } offered) Started(offered.Address);
            }
        }
    }

    private async Task<Task> StartOn(WorkerDescription worker, IReadOnlyList<RunInput> inputs, RunRecord run, RunControl control,
        bool resume, IRunHistory history, IRunHostObserver self)
    {
        var assignment = new Assignment(run.Id, Interlocked.Increment(ref attempts), worker.Address, worker.Name, history, run.ConfigJson);
        string checkpoint = AtomicFolder.Existing(HostFolder(run.Id, RunFolderKind.Checkpoint));
        if (resume && run.CheckpointStep > 0 && Directory.Exists(checkpoint) && !SharesFolders(worker))
            assignment.Archive = FolderArchive.Pack(checkpoint);
        current[run.Id] = assignment;
        try
        {
            await Worker(worker.Address).Start(new RunAssignment(run.Id, assignment.Attempt, HistoryWire.Serialize(run), resume,
                assignment.Archive is null ? 0 : FolderArchive.Chunks(assignment.Archive.Length), ProcessOwner.Current,
                environment.Workspace.Runs, inputs), self);
        }
        catch
        {
            current.TryRemove(new KeyValuePair<string, Assignment>(run.Id, assignment));
            throw;
        }
        assignment.Archive = null;
        assignment.Started = true;
        control.Remote = new RemoteRunControl(Worker(worker.Address), run.Id, assignment.Attempt, options.AnswerWithin);
        log.RunPlaced(run.Id, assignment.Attempt, worker.Name);
        return assignment.Ended.Task;
    }

    /// <summary>
    /// Offers free workers to waiting runs, oldest first: each run the least busy worker of its kind with a slot left in
    /// this round. Runs wake it when they arrive; otherwise it looks every <see cref="DispatcherOptions.CheckEvery"/>.
    /// </summary>
    private async Task Schedule()
    {
        while (!stopped.IsCancellationRequested)
        {
            try { await wake.WaitAsync(options.CheckEvery, stopped.Token); }
            catch (OperationCanceledException) { return; }
            while (wake.CurrentCount > 0) wake.Wait(0);
            Waiter[] open;
            lock (waitingGate) open = [.. waiting.Where(w => !w.HasOffer)];
            if (open.Length == 0) continue;
            IReadOnlyList<WorkerDescription> workers = await WorkersOrNone(stopped.Token);
            var free = workers.ToDictionary(w => w.Address, w => w.Slots - starting.GetValueOrDefault(w.Address));
            foreach (Waiter waiter in open)
            {
                WorkerDescription? worker = workers.Where(w => free[w.Address] > 0 && waiter.Fits(w))
                    .OrderByDescending(w => free[w.Address]).ThenBy(w => current.Values.Count(a => a.Worker == w.Address)).FirstOrDefault();
                if (worker is null)
                {
                    if (waiter.Kind.Length > 0) waiter.TellWaiting(anyOfItsKind: workers.Any(waiter.Fits));
                    continue;
                }
                lock (waitingGate)
                {
                    // A run that stopped waiting since this round began takes no worker.
                    if (!waiting.Contains(waiter) || waiter.HasOffer) continue;
                    starting.AddOrUpdate(worker.Address, 1, (_, count) => count + 1);
                    waiter.Offer(worker);
                }
                free[worker.Address]--;
            }
        }
    }

    public Task<bool> Report(string runId, int attempt, IReadOnlyList<HistoryOperation> operations)
    {
        if (!Current(runId, attempt, out Assignment? assignment)) return Task.FromResult(false);
        lock (assignment)
        {
            foreach (HistoryOperation operation in operations.Where(assignment.Applied.Takes))
            {
                RunRecord? updated = HistoryWire.Apply(operation, runId, assignment.History, OnHost);
                if (updated is { IsActive: false }) assignment.Ended.TrySetResult();
            }
        }
        return Task.FromResult(true);
    }

    public Task<string> Steering(string runId, int attempt) =>
        Task.FromResult(HistoryWire.Serialize(Require(runId, attempt).History.Steering(runId)));

    public Task<string> Metrics(string runId, int attempt, string name) =>
        Task.FromResult(HistoryWire.Serialize(Require(runId, attempt).History.Metrics(runId, name)));

    public Task<byte[]> CheckpointChunk(string runId, int attempt, int index)
    {
        byte[] archive = Require(runId, attempt).Archive
            ?? throw new InvalidOperationException($"Run {runId} has no checkpoint on its way to a worker.");
        return Task.FromResult(FolderArchive.Chunk(archive, index));
    }

    public Task<RunInputChunk> InputChunk(string hash, int index) => Task.Run(() => inputs.Chunk(hash, index));

    public Task<string> SaveFolderChunk(string runId, int attempt, RunFolderKind kind, int index, int count, byte[] data)
    {
        Assignment assignment = Require(runId, attempt);
        string folder = HostFolder(runId, kind);
        lock (assignment)
        {
            if (index == 0) assignment.Incoming = new MemoryStream();
            if (assignment.Incoming is null) throw new InvalidDataException($"Chunk {index} of a {kind} of run {runId} came without chunk 0.");
            // Written at its place, so a chunk sent again after a lost answer does not corrupt the archive.
            assignment.Incoming.Position = (long)index * FolderArchive.ChunkBytes;
            assignment.Incoming.Write(data);
            if (index == count - 1)
            {
                FolderArchive.Unpack(assignment.Incoming.ToArray(), folder);
                assignment.Incoming = null;
                if (kind == RunFolderKind.Student)
                    File.WriteAllText(Path.Combine(environment.RunFolder(runId), "config.json"), assignment.ConfigJson);
            }
        }
        return Task.FromResult(folder);
    }

    /// <summary>The worker's record names its own folders; the host's names the copies here.</summary>
    private void OnHost(RunRecord run)
    {
        if (run.CheckpointFolder is not null) run.CheckpointFolder = HostFolder(run.Id, RunFolderKind.Checkpoint);
        if (run.StudentFolder is not null) run.StudentFolder = HostFolder(run.Id, RunFolderKind.Student);
    }

    private async Task CheckWorkers()
    {
        if (Interlocked.Exchange(ref checking, 1) == 1) return;
        try
        {
            foreach (Assignment assignment in current.Values) await Check(assignment);
        }
        finally
        {
            Volatile.Write(ref checking, 0);
        }
    }

    private async Task Check(Assignment assignment)
    {
        // Starting can take a while (a worker fetching the run's models); until it returns, the run is not executing yet.
        if (!assignment.Started) return;
        bool executing;
        try
        {
            executing = await Worker(assignment.Worker).IsExecuting(assignment.RunId, assignment.Attempt).WaitAsync(options.AnswerWithin);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            executing = false;
        }
        if (assignment.Ended.Task.IsCompleted)
        {
            // Ended and its last report is in: the attempt is history.
            if (!executing) current.TryRemove(new KeyValuePair<string, Assignment>(assignment.RunId, assignment));
            return;
        }
        if (executing)
        {
            assignment.MissedChecks = 0;
            return;
        }
        if (++assignment.MissedChecks < options.MissedChecksBeforeLost) return;
        if (!current.TryRemove(new KeyValuePair<string, Assignment>(assignment.RunId, assignment))) return;
        log.WorkerLost(assignment.WorkerName, assignment.RunId, assignment.Attempt);
        assignment.Ended.TrySetException(new WorkerLostException($"worker {assignment.WorkerName} was lost"));
    }

    private IRunHostObserver Reference()
    {
        lock (referenceGate) return reference ??= grains.CreateObjectReference<IRunHostObserver>(this);
    }

    private IRunWorkerGrain Worker(string address) => grains.GetGrain<IRunWorkerGrain>(address);

    private bool Current(string runId, int attempt, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Assignment? assignment) =>
        current.TryGetValue(runId, out assignment) && assignment.Attempt == attempt;

    private Assignment Require(string runId, int attempt) => Current(runId, attempt, out Assignment? assignment) ? assignment
        : throw new InvalidOperationException($"Attempt {attempt} of run {runId} was given up; the run goes on elsewhere.");

    private string HostFolder(string runId, RunFolderKind kind) => Path.Combine(environment.RunFolder(runId), kind.FolderName());

    public void Dispose()
    {
        stopped.Cancel();
        watchdog.Dispose();
        lock (referenceGate)
            if (reference is not null) grains.DeleteObjectReference<IRunHostObserver>(reference);
    }

    /// <summary>An offered worker has the run or refused it: it no longer counts as starting one.</summary>
    private void Started(string worker) => starting.AddOrUpdate(worker, 0, (_, count) => count - 1);

    /// <summary>The dashboard's own worker: same process, same run folders, so nothing is copied to or from it.</summary>
    private bool SharesFolders(WorkerDescription worker) =>
        RunFolders.Shared(ProcessOwner.Current, environment.Workspace.Runs, worker.Process, worker.RunsFolder);

    /// <summary>A run waiting for a worker; its offer is replaced when the offered worker refused it.</summary>
    private sealed class Waiter(RunRecord run, IRunHistory history, string kind)
    {
        private TaskCompletionSource<WorkerDescription> offer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool taken;
        private bool told;
        public string Kind => kind;
        public bool HasOffer => offer.Task.IsCompleted;
        public Task<WorkerDescription> Offered() => offer.Task;
        public void Offer(WorkerDescription worker) => offer.TrySetResult(worker);
        public void Take() => taken = true;
        public WorkerDescription? Untaken() => HasOffer && !taken ? offer.Task.Result : null;
        public void Refused() => (offer, taken) = (new(TaskCreationOptions.RunContinuationsAsynchronously), false);
        public bool Fits(WorkerDescription worker) => kind.Length == 0 || string.Equals(kind, worker.Kind, StringComparison.OrdinalIgnoreCase);

        /// <summary>Says once, in the run's header and event log, why a pinned run is still queued.</summary>
        public void TellWaiting(bool anyOfItsKind)
        {
            if (told) return;
            told = true;
            run.Phase = $"waiting for a worker of kind '{kind}'";
            RunStatusChange.Set(history, run, RunStatus.Queued, anyOfItsKind
                ? $"every worker of kind '{kind}' is busy; the run waits for one to be free"
                : $"no worker of kind '{kind}' is in the cluster; the run waits until one joins (start one with promptdfd worker " +
                    $"--kind {kind})");
        }
    }

    private sealed class Assignment(string runId, int attempt, string worker, string workerName, IRunHistory history, string configJson)
    {
        public string RunId => runId;
        public int Attempt => attempt;
        public string Worker => worker;
        public string WorkerName => workerName;
        public IRunHistory History => history;
        public string ConfigJson => configJson;
        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public byte[]? Archive { get; set; }
        public MemoryStream? Incoming { get; set; }
        public int MissedChecks { get; set; }
        public AppliedHistory Applied { get; } = new();
        public volatile bool Started;
    }
}
