using System.Collections.Concurrent;
using System.Globalization;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Queues runs and executes them one at a time on a dedicated training thread (TorchSharp's dispose scopes and
/// no-grad are per thread), or hands them to the free workers of a cluster when it has a <see cref="IRunDispatcher"/>.
/// Pause, resume, cancel and prompt steering reach the run through thread-safe controls and take effect between steps.
/// Runs that were going when the process died are marked interrupted at start and can be resumed from their last
/// checkpoint; a run whose worker is lost resumes from it on another worker by itself.
/// </summary>
public sealed partial class RunManager : IDisposable
{
    private readonly RunStore store;
    private readonly RunEventHub hub;
    private readonly RunEnvironment environment;
    private readonly ConcurrentQueue<(string Id, bool Resume)> pending = new();
    private readonly SemaphoreSlim queued = new(0);
    private readonly ConcurrentDictionary<string, RunControl> controls = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RunRecord>> completions = new();
    private readonly CancellationTokenSource shutdown = new();
    private readonly TorchJobQueue torch;
    private readonly bool ownsTorch;
    private readonly IRunDispatcher? dispatcher;
    private readonly StoreRunHistory history;
    private readonly ConcurrentDictionary<string, Task> remote = new();
    private Task? loop;
    private Timer? orphanCheck;
    private readonly Lock orphanGate = new();
    private volatile string? activeRunId;

    /// <param name="torch">the process's libtorch thread, shared with teacher training and the playground; null: one of its own</param>
    /// <param name="dispatcher">the cluster's workers, which then execute every run; null: this process does, on <paramref name="torch"/></param>
    public RunManager(RunStore store, RunEventHub hub, RunEnvironment environment, TorchJobQueue? torch = null,
        IRunDispatcher? dispatcher = null)
    {
        this.store = store;
        this.hub = hub;
        this.environment = environment;
        this.dispatcher = dispatcher;
        history = new StoreRunHistory(store, hub);
        ownsTorch = torch is null;
        this.torch = torch ?? new TorchJobQueue(environment.Threads);
    }

    public RunStore Store => store;
    public RunEventHub Hub => hub;
    public RunEnvironment Environment => environment;
    /// <summary>A run that executes now (on this process's thread, or on a worker of the cluster), if any.</summary>
    public string? ActiveRunId => dispatcher is null ? activeRunId : dispatcher.Placements.Keys.Order(StringComparer.Ordinal).FirstOrDefault();

    /// <summary>The cluster's workers, when runs execute on them; null when this process executes them.</summary>
    public IRunDispatcher? Dispatcher => dispatcher;
    public TorchJobQueue Torch => torch;
    /// <summary>The store's side of every run's history: runs executing here and reports from workers elsewhere write through it.</summary>
    public IRunHistory History => history;

    /// <summary>
    /// How often runs of other processes sharing the store are checked for an owner that died (a killed command-line
    /// run), so an open dashboard shows them interrupted and resumable instead of running forever.
    /// </summary>
    public TimeSpan OrphanCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Marks runs left going by a dead process as interrupted, re-queues queued ones, and starts the training thread.</summary>
    public void Start()
    {
        AdoptOrphans();
        loop = dispatcher is null ? torch.Schedule("runs", TorchJobPriority.Training, seed: 0, Loop()) : Task.Run(Dispatch);
        orphanCheck = new Timer(_ => AdoptOrphansSafely(), null, OrphanCheckInterval, OrphanCheckInterval);
    }

    /// <summary>Runs whose owning process is gone: queued ones are taken over, going ones marked interrupted (resumable).</summary>
    private void AdoptOrphans()
    {
        foreach (RunRecord run in store.All().Where(r => r.IsActive && !ProcessOwner.IsAlive(r.Owner)).OrderBy(r => r.CreatedAt))
        {
            if (run.Status == RunStatus.Queued)
            {
                run.Owner = ProcessOwner.Current;
                store.Update(run);
                controls[run.Id] = new RunControl();
                Enqueue(run.Id, false);
                continue;
            }
            SetStatus(run, RunStatus.Interrupted, "the process stopped while the run was going; resume it from its last checkpoint");
        }
    }

    private void AdoptOrphansSafely()
    {
        lock (orphanGate)
        {
            // A store error here must not take the process down; the next check tries again.
            try { AdoptOrphans(); }
            catch (Exception error) when (error is LiteDB.LiteException or IOException) { }
        }
    }

    /// <summary>Validates and queues a run; throws <see cref="ArgumentException"/> listing what is wrong with the config.</summary>
    public RunRecord Submit(RunConfig config, string? parentId = null)
    {
        config.Validate();
        CheckModelsExist(config);
        config = RunBuilder.Complete(config, environment);
        var run = new RunRecord
        {
            Id = NewId(),
            Name = config.Name.Length > 0 ? config.Name : $"{config.Preset} · {config.Task} · seed {config.Training.Seed}",
            Task = config.Task,
            Method = config.Training.Method.ToString(),
            Preset = config.Preset,
            Status = RunStatus.Queued,
            ConfigJson = config.ToJson(),
            Seed = config.Training.Seed,
            CodeVersion = CodeVersion.Describe(environment.Root),
            CreatedAt = DateTime.UtcNow,
            TotalSteps = config.Training.Schedule.Steps,
            Tags = config.Tags.ToList(),
            ParentId = parentId,
            Owner = ProcessOwner.Current,
        };
        store.Insert(run);
        controls[run.Id] = new RunControl();
        hub.Publish(new RunUpdate(run.Id, Run: run));
        Enqueue(run.Id, false);
        return run;
    }

    /// <summary>Queues a new run with the config of an existing one, changed by <paramref name="change"/>.</summary>
    public RunRecord Clone(string id, Func<RunConfig, RunConfig>? change = null)
    {
        RunRecord source = Require(id);
        // Numbered, so clones of one run are told apart in the table and in Compare; each can be renamed.
        int clones = store.All().Count(r => r.ParentId == source.Id);
        RunConfig config = source.Config with { Name = Truncated($"{source.Name} · clone {clones + 1}") };
        return Submit(change is null ? config : change(config), source.Id);
    }

    private const int MaximumNameLength = 200;
    private static string Truncated(string name) => name.Length <= MaximumNameLength ? name : name[..MaximumNameLength];

    /// <summary>A clone that replays the source run's prompt changes at the steps they happened.</summary>
    public RunRecord Replay(string id)
    {
        var steering = store.Steering(id);
        return Clone(id, c => c with { Training = c.Training with { Steering = [.. c.Training.Steering, .. steering] } });
    }

    public void Pause(string id) => ActiveControl(id, "paused").Pause();

    /// <summary>Continues a paused run, or re-queues an interrupted, cancelled or failed one from its last checkpoint.</summary>
    public void Resume(string id)
    {
        RunRecord run = Require(id);
        if (run.Status == RunStatus.Paused && controls.TryGetValue(id, out RunControl? control))
        {
            control.Continue();
            return;
        }
        if (!run.CanResume) throw new InvalidOperationException($"Run {id} is {run.Status.ToString().ToLowerInvariant()}; only paused, " +
            "interrupted, cancelled or failed runs can be resumed.");
        controls[id] = new RunControl();
        TakeOver(run);
        SetStatus(run, RunStatus.Queued, run.CheckpointStep > 0
            ? $"queued to resume from the checkpoint at step {run.CheckpointStep}"
            : "queued to start again: it stopped before its first checkpoint");
        Enqueue(id, true);
    }

    private void Enqueue(string id, bool resume)
    {
        pending.Enqueue((id, resume));
        queued.Release();
    }

    public void Cancel(string id)
    {
        RunRecord run = Require(id);
        if (!run.IsActive) throw new InvalidOperationException($"Run {id} is {run.Status.ToString().ToLowerInvariant()}; only queued, " +
            $"running or paused runs can be cancelled.");
        if (controls.TryGetValue(id, out RunControl? control)) control.Cancel();
    }

    /// <summary>Queues a prompt change for the running run; it is checked now and applied before the next step.</summary>
    public void Steer(string id, SteeringCommand command) => ActiveControl(id, "steered").Steer(id, command);

    public Task<RunRecord> WhenFinished(string id)
    {
        RunRecord run = Require(id);
        if (!run.IsActive) return Task.FromResult(run);
        var completion = completions.GetOrAdd(id, _ =>
            new TaskCompletionSource<RunRecord>(TaskCreationOptions.RunContinuationsAsynchronously));
        run = Require(id);
        if (!run.IsActive) completion.TrySetResult(run);
        return completion.Task;
    }

    public void Delete(string id)
    {
        RunRecord run = Require(id);
        if (run.IsActive) throw new InvalidOperationException($"Run {id} is {run.Status.ToString().ToLowerInvariant()}; cancel it before " +
            $"deleting.");
        store.Delete(id);
        string folder = environment.RunFolder(id);
        if (Directory.Exists(folder)) Directory.Delete(folder, true);
        hub.Publish(new RunUpdate(id, Run: run));
    }

    public void UpdateAnnotations(string id, IEnumerable<string>? tags = null, string? notes = null, bool? starred = null,
        string? name = null)
    {
        Require(id);
        string? trimmed = name?.Trim();
        if (trimmed is { Length: 0 or > MaximumNameLength })
            throw new ArgumentException($"A run's name must be 1 to {MaximumNameLength} characters (got {trimmed.Length}).");
        // One read-change-write with the run's own progress writes, which would otherwise put back the old name.
        RunRecord run = store.Change(id, run =>
        {
            if (trimmed is not null) run.Name = trimmed;
            if (tags is not null) run.Tags = tags.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct().ToList();
            if (notes is not null) run.Notes = notes;
            if (starred is { } star) run.Starred = star;
        }) ?? throw new KeyNotFoundException($"There is no run {id}.");
        hub.Publish(new RunUpdate(id, Run: run));
    }

    /// <summary>Runs queued runs one after another; a stepped job, so teacher training and the playground get turns between
    /// steps.</summary>
    private IEnumerable<TorchYield> Loop()
    {
        while (!shutdown.IsCancellationRequested)
        {
            if (!queued.Wait(0))
            {
                yield return TorchYield.Until(queued.AvailableWaitHandle, shutdown.Token.WaitHandle);
                continue;
            }
            pending.TryDequeue(out var next);
            activeRunId = next.Id;
            try
            {
                foreach (TorchYield pause in Execute(next.Id, next.Resume)) yield return pause;
            }
            finally
            {
                activeRunId = null;
            }
        }
    }

    private IEnumerable<TorchYield> Execute(string id, bool resume)
    {
        RunRecord? run = store.Get(id);
        if (run is null) yield break;
        RunControl control = controls.GetOrAdd(id, _ => new RunControl());
        if (control.Cancellation.IsCancellationRequested)
        {
            SetStatus(run, RunStatus.Cancelled, "cancelled before it started");
            Complete(run);
            yield break;
        }
        var execution = new RunExecution(history, environment, run, control, resume, () => ShuttingDown);
        try
        {
            foreach (TorchYield pause in execution.Drive()) yield return pause;
        }
        finally
        {
            Complete(run);
        }
    }

    private void SetStatus(RunRecord run, RunStatus status, string message) => RunStatusChange.Set(history, run, status, message);

    /// <summary>This process owns the run from now on (status changes store only the execution's fields, so the owner is stored here).</summary>
    private void TakeOver(RunRecord run)
    {
        run.Owner = ProcessOwner.Current;
        store.Update(run);
    }

    internal bool ShuttingDown => shutdown.IsCancellationRequested;

    private void Complete(RunRecord run)
    {
        controls.TryRemove(run.Id, out _);
        remote.TryRemove(run.Id, out _);
        if (completions.TryRemove(run.Id, out var completion)) completion.TrySetResult(store.Get(run.Id) ?? run);
    }

    private void CheckModelsExist(RunConfig config)
    {
        string prior = environment.PriorFolder(config);
        if (!File.Exists(Path.Combine(prior,
            Checkpoint.ConfigFile))) throw new ArgumentException($"No language prior at {prior} (config.json missing); set PriorFolder " +
                $"to a checkpoint folder.");
        string teacher = environment.TeacherFolder(config);
        if (!File.Exists(Path.Combine(teacher, Checkpoint.ConfigFile)))
            throw new ArgumentException(config.TeacherFolder.Length > 0
                ? $"No teacher at {teacher} (config.json missing); set TeacherFolder to a classifier checkpoint folder, or leave it " +
                    $"empty for the task's teacher."
                : $"Task '{config.Task}' has no teacher at {teacher}; train one first (train-teacher --task {config.Task}, or the Models " +
                    $"& data page).");
        // Headers only: the models themselves are loaded on the training thread.
        try
        {
            config.Training.Validate(GptConfig.FromHuggingFace(Checkpoint.ReadConfig(prior), Path.Combine(prior, Checkpoint.ConfigFile)));
            RunBuilder.CheckTeacher(config, environment);
            StudentStart.Check(config, environment);
        }
        catch (Exception error) when (error is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException)
        {
            throw new ArgumentException(error.Message, error);
        }
    }

    private RunControl ActiveControl(string id, string verb)
    {
        RunRecord run = Require(id);
        if (run.IsActive && run.Owner != ProcessOwner.Current && ProcessOwner.IsAlive(run.Owner))
            throw new InvalidOperationException($"Run {id} belongs to another process ({run.Owner}); it can only be {verb} there.");
        if (run.Status is not (RunStatus.Running or RunStatus.Paused) || !controls.TryGetValue(id, out RunControl? control))
            throw new InvalidOperationException($"Run {id} is {run.Status.ToString().ToLowerInvariant()}; only a running or paused run " +
                $"can be {verb}.");
        return control;
    }

    private RunRecord Require(string id) => store.Get(id) ?? throw new KeyNotFoundException($"There is no run '{id}'.");

    private static string NewId() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    public void Dispose()
    {
        orphanCheck?.Dispose();
        shutdown.Cancel();
        foreach (RunControl control in controls.Values)
        {
            // A run on another worker is told the server stops, so it is interrupted there, not cancelled.
            try { control.Interrupt(); }
            catch (Exception error) when (error is not OutOfMemoryException) { }
        }
        // The running runs save a checkpoint and mark themselves interrupted before the loop ends.
        try { Task.WaitAll([loop ?? Task.CompletedTask, .. remote.Values], TimeSpan.FromSeconds(60)); }
        catch (AggregateException) { }
        if (ownsTorch) torch.Dispose();
    }
}
