using System.Collections.Concurrent;
using System.Globalization;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Storage;
using PromptDfd.Engine.Synthesis;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Queues runs and executes them one at a time on a dedicated training thread (TorchSharp's dispose scopes and
/// no-grad are per thread). Pause, resume, cancel and prompt steering reach the thread through thread-safe
/// controls and take effect between steps. Runs that were going when the process died are marked interrupted at
/// start and can be resumed from their last checkpoint.
/// </summary>
public sealed class RunManager : IDisposable
{
    private readonly RunStore store;
    private readonly RunEventHub hub;
    private readonly RunEnvironment environment;
    private readonly BlockingCollection<(string Id, bool Resume)> queue = new();
    private readonly ConcurrentDictionary<string, RunControl> controls = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RunRecord>> completions = new();
    private readonly CancellationTokenSource shutdown = new();
    private readonly Thread thread;
    private volatile string? activeRunId;

    public RunManager(RunStore store, RunEventHub hub, RunEnvironment environment)
    {
        this.store = store;
        this.hub = hub;
        this.environment = environment;
        thread = new Thread(Loop) { Name = "PromptDfd training", IsBackground = true };
    }

    public RunStore Store => store;
    public RunEventHub Hub => hub;
    public RunEnvironment Environment => environment;
    public string? ActiveRunId => activeRunId;

    /// <summary>Marks runs left going by a dead process as interrupted, re-queues queued ones, and starts the training thread.</summary>
    public void Start()
    {
        foreach (RunRecord run in store.All().Where(r => r.IsActive && !ProcessOwner.IsAlive(r.Owner)).OrderBy(r => r.CreatedAt))
        {
            if (run.Status == RunStatus.Queued)
            {
                run.Owner = ProcessOwner.Current;
                store.Update(run);
                controls[run.Id] = new RunControl();
                queue.Add((run.Id, false));
                continue;
            }
            SetStatus(run, RunStatus.Interrupted, "the process stopped while the run was going; resume it from its last checkpoint");
        }
        thread.Start();
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
        queue.Add((run.Id, false));
        return run;
    }

    /// <summary>Queues a new run with the config of an existing one, changed by <paramref name="change"/>.</summary>
    public RunRecord Clone(string id, Func<RunConfig, RunConfig>? change = null)
    {
        RunRecord source = Require(id);
        RunConfig config = source.Config with { Name = "" };
        return Submit(change is null ? config : change(config), source.Id);
    }

    /// <summary>A clone that replays the source run's prompt changes at the steps they happened.</summary>
    public RunRecord Replay(string id)
    {
        var steering = store.Steering(id);
        return Clone(id, c => c with { Training = c.Training with { Steering = [.. c.Training.Steering, .. steering] } });
    }

    public void Pause(string id)
    {
        RunControl control = ActiveControl(id, "paused");
        control.Running.Reset();
    }

    /// <summary>Continues a paused run, or re-queues an interrupted, cancelled or failed one from its last checkpoint.</summary>
    public void Resume(string id)
    {
        RunRecord run = Require(id);
        if (run.Status == RunStatus.Paused && controls.TryGetValue(id, out RunControl? control))
        {
            control.Running.Set();
            return;
        }
        if (!run.CanResume) throw new InvalidOperationException($"Run {id} is {run.Status.ToString().ToLowerInvariant()}{(run.CheckpointFolder is null ? " and has no checkpoint" : "")}; only paused runs, or interrupted, cancelled or failed runs with a checkpoint, can be resumed.");
        controls[id] = new RunControl();
        run.Owner = ProcessOwner.Current;
        SetStatus(run, RunStatus.Queued, $"queued to resume from the checkpoint at step {run.CheckpointStep}");
        queue.Add((id, true));
    }

    public void Cancel(string id)
    {
        RunRecord run = Require(id);
        if (!run.IsActive) throw new InvalidOperationException($"Run {id} is {run.Status.ToString().ToLowerInvariant()}; only queued, running or paused runs can be cancelled.");
        if (controls.TryGetValue(id, out RunControl? control))
        {
            control.Cancellation.Cancel();
            control.Running.Set();
        }
    }

    /// <summary>Queues a prompt change for the running run; it is checked now and applied before the next step.</summary>
    public void Steer(string id, SteeringCommand command)
    {
        RunControl control = ActiveControl(id, "steered");
        PromptSteering validator = control.Validator ?? throw new InvalidOperationException($"Run {id} has not loaded its models yet; try again in a moment.");
        if (control.Method != SynthesisMethod.PromptDfd) throw new InvalidOperationException("Only PromptDFD runs have topic prompts to steer.");
        lock (validator) validator.Apply(command);
        control.Steering.Enqueue(command);
    }

    public Task<RunRecord> WhenFinished(string id)
    {
        RunRecord run = Require(id);
        if (!run.IsActive) return Task.FromResult(run);
        var completion = completions.GetOrAdd(id, _ => new TaskCompletionSource<RunRecord>(TaskCreationOptions.RunContinuationsAsynchronously));
        run = Require(id);
        if (!run.IsActive) completion.TrySetResult(run);
        return completion.Task;
    }

    public void Delete(string id)
    {
        RunRecord run = Require(id);
        if (run.IsActive) throw new InvalidOperationException($"Run {id} is {run.Status.ToString().ToLowerInvariant()}; cancel it before deleting.");
        store.Delete(id);
        string folder = environment.RunFolder(id);
        if (Directory.Exists(folder)) Directory.Delete(folder, true);
        hub.Publish(new RunUpdate(id, Run: run));
    }

    public void UpdateAnnotations(string id, IEnumerable<string>? tags = null, string? notes = null, bool? starred = null)
    {
        RunRecord run = Require(id);
        if (tags is not null) run.Tags = tags.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct().ToList();
        if (notes is not null) run.Notes = notes;
        if (starred is { } star) run.Starred = star;
        store.Update(run);
        hub.Publish(new RunUpdate(id, Run: run));
    }

    private void Loop()
    {
        TorchRuntime.ConfigureThreads(environment.Threads);
        try
        {
            foreach (var (id, resume) in queue.GetConsumingEnumerable(shutdown.Token))
            {
                activeRunId = id;
                try { Execute(id, resume); }
                finally { activeRunId = null; }
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
    }

    private void Execute(string id, bool resume)
    {
        RunRecord? run = store.Get(id);
        if (run is null) return;
        RunControl control = controls.GetOrAdd(id, _ => new RunControl());
        if (control.Cancellation.IsCancellationRequested)
        {
            SetStatus(run, RunStatus.Cancelled, "cancelled before it started");
            Complete(run);
            return;
        }
        var sink = new RunEventSink(store, hub, run);
        var started = DateTime.UtcNow;
        double secondsBefore = run.SecondsRunning;
        try
        {
            run.StartedAt ??= DateTime.UtcNow;
            // A resumed run's earlier failure is history (the event log keeps it), not its state.
            run.Error = null;
            RecordRuntime(run);
            SetStatus(run, RunStatus.Running, resume ? $"resuming from the checkpoint at step {run.CheckpointStep}" : "started");
            RunConfig config = run.Config;
            BuiltRun built = RunBuilder.Build(config, environment);
            if (resume) RequireTheSameInputs(run, built.Hashes);
            run.Hashes = new Dictionary<string, string>(built.Hashes);
            var trainer = new PromptDfdTrainer(config.Training, built.Models, sink.Handle, built.Task.Splits.Train);
            control.Method = config.Training.Method;
            control.Validator = new PromptSteering(built.Task.Labels, t => built.Prior.Tokenizer.Encode(t).Count,
                built.Prior.Model.Config.ContextLength - config.Training.Content.MaxNewTokens - 1);
            var evaluation = config.Training.Schedule.EvaluateOn == "dev" ? built.Task.Splits.Dev : built.Task.Splits.Test;
            string checkpoint = Path.Combine(environment.RunFolder(id), "checkpoint");
            var replayedSteering = new List<ScheduledSteering>();
            if (resume && run.CheckpointFolder is not null && Directory.Exists(AtomicFolder.Existing(run.CheckpointFolder)))
            {
                sink.Flush();
                trainer.LoadCheckpoint(run.CheckpointFolder);
                // Prompt changes made after the checkpoint are re-applied at their steps, so none are lost.
                replayedSteering = store.Steering(id).Where(s => s.Step > trainer.Step).ToList();
                store.DeleteAfter(id, trainer.Step);
                foreach (var change in replayedSteering) lock (control.Validator) control.Validator.Apply(change.Command);
            }
            else
            {
                // A run killed before its first checkpoint restarts from scratch, without its earlier partial curves.
                if (resume) store.DeleteAfter(id, 0);
                trainer.Evaluate(evaluation);
            }
            // Known from the start, so a kill between the first checkpoint's rename and the record's update can still resume.
            run.CheckpointFolder ??= checkpoint;
            while (!trainer.Finished && !control.Cancellation.IsCancellationRequested)
            {
                if (!control.Running.IsSet)
                {
                    SetStatus(run, RunStatus.Paused, $"paused at step {trainer.Step}");
                    WaitHandle.WaitAny([control.Running.WaitHandle, control.Cancellation.Token.WaitHandle]);
                    if (control.Cancellation.IsCancellationRequested) break;
                    SetStatus(run, RunStatus.Running, $"resumed at step {trainer.Step}");
                }
                foreach (var change in replayedSteering.Where(s => s.Step == trainer.Step + 1)) trainer.Steer(change.Command);
                while (control.Steering.TryDequeue(out SteeringCommand? command)) trainer.Steer(command);
                trainer.RunStep();
                if (trainer.EvaluationDue) trainer.Evaluate(evaluation);
                if (trainer.CheckpointDue) SaveCheckpoint(run, trainer, checkpoint, sink);
                run.Step = trainer.Step;
                run.SamplesSeen = trainer.SamplesSeen;
                run.SecondsRunning = secondsBefore + (DateTime.UtcNow - started).TotalSeconds;
                store.Update(run);
                hub.Publish(new RunUpdate(id, Run: run));
            }
            if (control.Cancellation.IsCancellationRequested)
            {
                if (trainer.Step > run.CheckpointStep) SaveCheckpoint(run, trainer, checkpoint, sink);
                if (shutdown.IsCancellationRequested) SetStatus(run, RunStatus.Interrupted, $"the server stopped at step {trainer.Step}; checkpoint saved, resume to continue");
                else SetStatus(run, RunStatus.Cancelled, $"cancelled at step {trainer.Step}; final checkpoint saved");
            }
            else
            {
                run.StudentFolder = SaveStudent(run, built, trainer);
                SetStatus(run, RunStatus.Completed, FormattableString.Invariant($"completed: student accuracy {run.LastAccuracy:P1} after {trainer.SamplesSeen} samples"));
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            run.Error = error.Message;
            SetStatus(run, RunStatus.Failed, $"failed: {error.Message}");
        }
        finally
        {
            run.SecondsRunning = secondsBefore + (DateTime.UtcNow - started).TotalSeconds;
            sink.Dispose();
            store.Update(run);
            hub.Publish(new RunUpdate(id, Run: run));
            Complete(run);
        }
    }

    /// <summary>
    /// A resumed run must go on with the task data and models it started with: its record names one hash of each, and a
    /// run that continued on a retrained teacher (say) would be neither the old run nor a new one.
    /// </summary>
    private static void RequireTheSameInputs(RunRecord run, IReadOnlyDictionary<string, string> current)
    {
        var changed = run.Hashes.Where(h => current.TryGetValue(h.Key, out string? now) && now != h.Value)
            .Select(h => $"{h.Key} {Short(h.Value)} then, {Short(current[h.Key])} now").ToList();
        if (changed.Count > 0)
            throw new InvalidDataException($"Run {run.Id} cannot resume: its inputs changed since it started ({string.Join("; ", changed)}). " +
                "Put the original files back (each model card and dataset card lists the commands that re-create them) and resume, or clone the run to start afresh on the current ones.");
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    private void SaveCheckpoint(RunRecord run, PromptDfdTrainer trainer, string folder, RunEventSink sink)
    {
        // The store must hold everything up to this step before the checkpoint appears on disk: a kill right after
        // the checkpoint's rename then still resumes with continuous curves (anything newer is deleted on resume).
        sink.Record(trainer.Step, RunEventKinds.Checkpoint, $"checkpoint at step {trainer.Step}");
        sink.Flush();
        trainer.SaveCheckpoint(folder);
        run.CheckpointFolder = folder;
        run.CheckpointStep = trainer.Step;
    }

    private static void RecordRuntime(RunRecord run)
    {
        string runtime = TorchRuntime.Describe();
        if (run.Runtime is null) run.Runtime = runtime;
        else if (!run.Runtime.EndsWith(runtime, StringComparison.Ordinal)) run.Runtime += $"; resumed with {runtime}";
    }

    private string SaveStudent(RunRecord run, BuiltRun built, PromptDfdTrainer trainer)
    {
        string folder = Path.Combine(environment.RunFolder(run.Id), "student");
        var card = new ModelCard
        {
            Title = $"Student of run {run.Id}",
            Summary = $"A student distilled from the '{run.Task}' teacher by {run.Preset} ({run.Method}) without the teacher's training data.",
            Facts =
            [
                ("run", $"{run.Id} ({run.Name})"),
                ("samples seen", trainer.SamplesSeen.ToString(CultureInfo.InvariantCulture)),
                ("code version", run.CodeVersion),
                ("runtime", run.Runtime ?? ""),
            ],
            Metrics =
            [
                ("test accuracy", run.LastAccuracy?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a"),
                ("teacher test accuracy", run.TeacherAccuracy?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a"),
            ],
            Commands = ["dotnet run --project PromptDfd.Cli -c Release -- run --config <this run's config.json>"],
            Hashes = built.Hashes.Select(h => (h.Key, h.Value)).ToList(),
        };
        Checkpoint.SaveClassifier(folder, built.Student, built.Task.Labels, environment.Resolve(built.Config.PriorFolder), card);
        File.WriteAllText(Path.Combine(environment.RunFolder(run.Id), "config.json"), run.ConfigJson);
        return folder;
    }

    private void SetStatus(RunRecord run, RunStatus status, string message)
    {
        run.Status = status;
        if (status is RunStatus.Completed or RunStatus.Cancelled or RunStatus.Failed) run.FinishedAt = DateTime.UtcNow;
        store.Update(run);
        store.Append([], [], [new RunEventRecord { RunId = run.Id, Step = run.Step, Time = DateTime.UtcNow, Kind = RunEventKinds.Status, Message = message }]);
        hub.Publish(new RunUpdate(run.Id, new LogEvent(run.Step, message), run));
    }

    private void Complete(RunRecord run)
    {
        controls.TryRemove(run.Id, out _);
        if (completions.TryRemove(run.Id, out var completion)) completion.TrySetResult(run);
    }

    private void CheckModelsExist(RunConfig config)
    {
        string prior = environment.Resolve(config.PriorFolder);
        if (!File.Exists(Path.Combine(prior, Checkpoint.ConfigFile))) throw new ArgumentException($"No language prior at {prior} (config.json missing); set PriorFolder to a checkpoint folder.");
        string teacher = environment.Resolve(config.ResolvedTeacherFolder);
        if (!File.Exists(Path.Combine(teacher, Checkpoint.ConfigFile)))
            throw new ArgumentException(config.TeacherFolder.Length > 0
                ? $"No teacher at {teacher} (config.json missing); set TeacherFolder to a classifier checkpoint folder, or leave it empty for the task's teacher."
                : $"Task '{config.Task}' has no teacher at {teacher}; train one first (train-teacher --task {config.Task}, or the Models & data page).");
        // Headers only: the models themselves are loaded on the training thread.
        try
        {
            config.Training.Validate(GptConfig.FromHuggingFace(Checkpoint.ReadConfig(prior), Path.Combine(prior, Checkpoint.ConfigFile)));
            RunBuilder.CheckTeacher(config, environment);
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
            throw new InvalidOperationException($"Run {id} is {run.Status.ToString().ToLowerInvariant()}; only a running or paused run can be {verb}.");
        return control;
    }

    private RunRecord Require(string id) => store.Get(id) ?? throw new KeyNotFoundException($"There is no run '{id}'.");

    private static string NewId() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    public void Dispose()
    {
        shutdown.Cancel();
        foreach (RunControl control in controls.Values)
        {
            control.Cancellation.Cancel();
            control.Running.Set();
        }
        queue.CompleteAdding();
        if (thread.IsAlive) thread.Join(TimeSpan.FromSeconds(60));
    }

    private sealed class RunControl
    {
        public CancellationTokenSource Cancellation { get; } = new();
        public ManualResetEventSlim Running { get; } = new(true);
        public ConcurrentQueue<SteeringCommand> Steering { get; } = new();
        public volatile PromptSteering? Validator;
        public SynthesisMethod Method { get; set; }
    }
}
