using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Where a run's execution keeps its story and tells its watchers: the run store and event hub of the process that owns
/// the store, or a channel to that process from a worker elsewhere. Only the store's owner writes the store.
/// </summary>
public interface IRunHistory
{
    /// <summary>Stores the fields of the run that its execution owns (status, progress, results) and tells watchers, with the
    /// notice that explains the change if there is one.</summary>
    void Update(RunRecord run, RunNoticeEvent? notice = null);

    /// <summary>Tells watchers at once, without storing.</summary>
    void Publish(RunUpdate update);

    void Append(IReadOnlyCollection<MetricPoint> metrics, IReadOnlyCollection<SampleRecord> samples,
        IReadOnlyCollection<RunEventRecord> events);

    IReadOnlyList<ScheduledSteering> Steering(string runId);

    IReadOnlyList<MetricPoint> Metrics(string runId, string name);

    /// <summary>Forgets the run's history after <paramref name="step"/> (-1: all of it), when it resumes from a checkpoint.</summary>
    void DeleteAfter(string runId, int step);

    /// <summary>
    /// A checkpoint or the student of the run is complete in <paramref name="folder"/>; returns the folder the run's record
    /// names for it (the same folder here; for a worker elsewhere, a copy in the store owner's run folder, where a resume on
    /// another worker and the dashboard find it).
    /// </summary>
    string Saved(RunRecord run, RunFolderKind kind, string folder);
}

/// <summary>The folders a run saves that outlive the process that wrote them, named as in the run's folder.</summary>
public enum RunFolderKind { Checkpoint, Student }

public static class RunFolderKinds
{
    public static string FolderName(this RunFolderKind kind) => kind == RunFolderKind.Checkpoint ? "checkpoint" : "student";
}

/// <summary>The fields of a run's record that its execution writes; everything else (name, tags, notes, star) is the user's.</summary>
public static class RunExecutionFields
{
    public static void CopyTo(this RunRecord from, RunRecord to)
    {
        to.Status = from.Status;
        to.Runtime = from.Runtime;
        to.Hashes = new Dictionary<string, string>(from.Hashes);
        to.StartedAt = from.StartedAt;
        to.FinishedAt = from.FinishedAt;
        to.Step = from.Step;
        to.SamplesSeen = from.SamplesSeen;
        to.ReportedAccuracy = from.ReportedAccuracy;
        to.LastAccuracy = from.LastAccuracy;
        to.TeacherAccuracy = from.TeacherAccuracy;
        to.SecondsRunning = from.SecondsRunning;
        to.CheckpointFolder = from.CheckpointFolder;
        to.CheckpointStep = from.CheckpointStep;
        to.StudentFolder = from.StudentFolder;
        to.Error = from.Error;
        to.Phase = from.Phase;
        to.Worker = from.Worker;
    }
}
