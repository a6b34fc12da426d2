using System.Globalization;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// One run from loading its models to saving its student, one training step per slice of the libtorch thread: a
/// stepped job yields between steps and while paused, never inside a step's dispose scope.
/// </summary>
/// <param name="history">where the run's story goes: the store here, or the store's owner when this is a worker elsewhere</param>
/// <param name="shuttingDown">true when the process stops: a cancelled run is then interrupted, not cancelled</param>
public sealed class RunExecution(IRunHistory history, RunEnvironment environment, RunRecord run, RunControl control, bool resume,
    Func<bool> shuttingDown)
{
    private readonly RunEventSink sink = new(history, run);
    private readonly DateTime started = DateTime.UtcNow;
    private readonly double secondsBefore = run.SecondsRunning;
    private readonly ProcessHealth health = new();

    public IEnumerable<TorchYield> Steps()
    {
        string id = run.Id;
        run.StartedAt ??= DateTime.UtcNow;
        // A resumed run's earlier failure is history (the event log keeps it), not its state.
        run.Error = null;
        RecordRuntime(run);
        RunStatusChange.Set(history, run, RunStatus.Running, resume ? "resuming from its last checkpoint" : "started");
        RunConfig config = run.Config;
        SetPhase("loading models");
        BuiltRun built = RunBuilder.Build(config, environment);
        if (resume) RequireTheSameInputs(run, built.Hashes);
        run.Hashes = new Dictionary<string, string>(built.Hashes);
        var trainer = new DistillationTrainer(config.Training, built.Models, sink.Handle, built.Task.Splits.Train);
        control.Method = config.Training.Method;
        control.PromptRules = PromptRules.ForPrior(built.Task.Labels, built.Prior.Tokenizer, built.Prior.Model.Config.ContextLength,
            config.Training.Content.MaxNewTokens);
        var evaluation = config.Training.Schedule.EvaluateOn == "dev" ? built.Task.Splits.Dev : built.Task.Splits.Test;
        string checkpoint = Path.Combine(environment.RunFolder(id), RunFolderKind.Checkpoint.FolderName());
        var replayedSteering = new List<ScheduledSteering>();
        bool hasCheckpoint = run.CheckpointFolder is not null && Directory.Exists(AtomicFolder.Existing(run.CheckpointFolder));
        if (resume && run.CheckpointStep > 0 && !hasCheckpoint)
            throw new InvalidDataException($"Run {id} cannot resume: its checkpoint at step {run.CheckpointStep} ({run.CheckpointFolder}) is " +
                "missing. Put the folder back and resume, or clone the run to start it afresh.");
        if (resume && hasCheckpoint)
        {
            sink.Flush();
            trainer.LoadCheckpoint(run.CheckpointFolder!);
            // Prompt changes made after the checkpoint are re-applied at their steps, so none are lost.
            replayedSteering = history.Steering(id).Where(s => s.Step > trainer.Step).ToList();
            history.DeleteAfter(id, trainer.Step);
            // The step is the checkpoint's own: the record may lag it when a kill fell between saving and recording.
            run.Step = run.CheckpointStep = trainer.Step;
            RunStatusChange.Set(history, run, RunStatus.Running, $"resumed from the checkpoint at step {trainer.Step}");
        }
        else
        {
            // A run stopped before its first checkpoint starts again from scratch, without its earlier partial curves
            // (step 0's evaluation included, or it would be recorded twice).
            if (resume)
            {
                history.DeleteAfter(id, -1);
                sink.Record(0, RunEventKinds.Log, "no checkpoint was saved before the run stopped: it starts again from step 0");
            }
            SetPhase("evaluating the student at step 0");
            trainer.Evaluate(evaluation);
        }
        // Known from the start, so a kill between the first checkpoint's rename and the record's update can still resume.
        run.CheckpointFolder ??= checkpoint;
        yield return TorchYield.Next;
        while (!trainer.Finished && !control.Cancellation.IsCancellationRequested)
        {
            if (!control.Running.IsSet)
            {
                run.Phase = "paused";
                RunStatusChange.Set(history, run, RunStatus.Paused, $"paused at step {trainer.Step}");
                while (!control.Running.IsSet && !control.Cancellation.IsCancellationRequested)
                    yield return TorchYield.Until(control.Running.WaitHandle, control.Cancellation.Token.WaitHandle);
                if (control.Cancellation.IsCancellationRequested) break;
                RunStatusChange.Set(history, run, RunStatus.Running, $"resumed at step {trainer.Step}");
            }
            foreach (var change in replayedSteering.Where(s => s.Step == trainer.Step + 1)) trainer.Steer(change.Command);
            while (control.Steering.TryDequeue(out SteeringCommand? command)) trainer.Steer(command);
            run.Phase = "training";
            trainer.RunStep();
            RecordHealth(trainer);
            if (trainer.EvaluationDue)
            {
                SetPhase($"evaluating at step {trainer.Step}");
                trainer.Evaluate(evaluation);
            }
            if (trainer.CheckpointDue) SaveCheckpoint(trainer, checkpoint);
            run.Step = trainer.Step;
            run.SamplesSeen = trainer.SamplesSeen;
            run.SecondsRunning = secondsBefore + (DateTime.UtcNow - started).TotalSeconds;
            history.Update(run);
            yield return TorchYield.Next;
        }
        if (control.Cancellation.IsCancellationRequested)
        {
            if (trainer.Step > run.CheckpointStep) SaveCheckpoint(trainer, checkpoint);
            run.Phase = null;
            if (shuttingDown()) RunStatusChange.Set(history, run, RunStatus.Interrupted,
                $"the server stopped at step {trainer.Step}; checkpoint saved, resume to continue");
            else RunStatusChange.Set(history, run, RunStatus.Cancelled, $"cancelled at step {trainer.Step}; final checkpoint saved");
        }
        else
        {
            SetPhase("saving the student");
            run.StudentFolder = SaveStudent(built, trainer);
            run.Phase = null;
            RunStatusChange.Set(history, run, RunStatus.Completed,
                FormattableString.Invariant($"completed: student accuracy {run.ReportedAccuracy:P1}") +
                    $" ({ReportedAccuracy.Description}) after {trainer.SamplesSeen} samples");
        }
    }

    /// <summary>
    /// The run's steps as one stepped job that never throws: an error fails the run (with its message), and whatever happens
    /// the time spent, the buffered events and the record's last state are stored.
    /// </summary>
    public IEnumerable<TorchYield> Drive()
    {
        using IEnumerator<TorchYield> steps = Steps().GetEnumerator();
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = steps.MoveNext();
                }
                catch (Exception error) when (error is not OutOfMemoryException)
                {
                    run.Error = error.Message;
                    RunStatusChange.Set(history, run, RunStatus.Failed, $"failed: {error.Message}");
                    break;
                }
                if (!more) break;
                yield return steps.Current;
            }
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Whatever happened: the time spent, the events still buffered and the record's last state are stored.</summary>
    private void Close()
    {
        run.Phase = null;
        run.SecondsRunning = secondsBefore + (DateTime.UtcNow - started).TotalSeconds;
        sink.Dispose();
        history.Update(run);
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
            throw new InvalidDataException($"Run {run.Id} cannot resume: its inputs changed since it started " +
                $"({string.Join("; ", changed)}). " +
                "Put the original files back (each model card and dataset card lists the commands that re-create them) and resume, or " +
                    "clone the run to start afresh on the current ones.");
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    /// <summary>Tells the pages what the run does next, before a long stretch with nothing else to show (loading, evaluating).</summary>
    private void SetPhase(string phase)
    {
        run.Phase = phase;
        history.Publish(new RunUpdate(run.Id, Run: run));
    }

    private void RecordHealth(DistillationTrainer trainer)
    {
        var (memory, cpu) = health.Read();
        sink.Handle(new MetricEvent(trainer.Step, trainer.SamplesSeen, MetricNames.ProcessMemoryMegabytes, memory));
        sink.Handle(new MetricEvent(trainer.Step, trainer.SamplesSeen, MetricNames.ProcessCpuPercent, cpu));
    }

    private void SaveCheckpoint(DistillationTrainer trainer, string folder)
    {
        SetPhase($"saving a checkpoint at step {trainer.Step}");
        // The store must hold everything up to this step before the checkpoint appears on disk: a kill right after
        // the checkpoint's rename then still resumes with continuous curves (anything newer is deleted on resume).
        sink.Record(trainer.Step, RunEventKinds.Checkpoint, $"checkpoint at step {trainer.Step}");
        sink.Flush();
        trainer.SaveCheckpoint(folder);
        run.CheckpointStep = trainer.Step;
        run.CheckpointFolder = history.Saved(run, RunFolderKind.Checkpoint, folder);
    }

    private static void RecordRuntime(RunRecord run)
    {
        string runtime = TorchRuntime.Describe();
        if (run.Runtime is null) run.Runtime = runtime;
        else if (!run.Runtime.EndsWith(runtime, StringComparison.Ordinal)) run.Runtime += $"; resumed with {runtime}";
    }

    private string SaveStudent(BuiltRun built, DistillationTrainer trainer)
    {
        string folder = Path.Combine(environment.RunFolder(run.Id), RunFolderKind.Student.FolderName());
        var card = new ModelCard
        {
            Title = $"Student of run {run.Id}",
            Summary = $"A student distilled from the '{run.Task}' teacher by {run.Preset} ({run.Method}) without the teacher's training " +
                $"data.",
            Facts =
            [
                ("run", $"{run.Id} ({run.Name})"),
                ("samples seen", trainer.SamplesSeen.ToString(CultureInfo.InvariantCulture)),
                ("code version", run.CodeVersion),
                ("runtime", run.Runtime ?? ""),
            ],
            Metrics =
            [
                ($"accuracy on the evaluation split ({ReportedAccuracy.Description})",
                    run.ReportedAccuracy?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a"),
                ("teacher test accuracy", run.TeacherAccuracy?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a"),
            ],
            Commands = ["dotnet run --project PromptDfd.Cli -c Release -- run --config <this run's config.json>"],
            Hashes = built.Hashes.Select(h => (h.Key, h.Value)).ToList(),
        };
        Checkpoint.SaveClassifier(folder, built.Student, built.Task.Labels, environment.PriorFolder(built.Config), card);
        File.WriteAllText(Path.Combine(environment.RunFolder(run.Id), "config.json"), run.ConfigJson);
        return history.Saved(run, RunFolderKind.Student, folder);
    }
}
