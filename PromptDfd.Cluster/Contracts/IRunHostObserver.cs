using PromptDfd.Engine.Runs;

namespace PromptDfd.Cluster.Contracts;

/// <summary>
/// The dashboard's host as its workers see it: the one writer of the run store. Workers send each run's history here in
/// ordered batches, ask for what a resume needs, and copy checkpoints back so another worker can resume from them.
/// Every call names the run's attempt; the host refuses calls of an attempt it has given up on.
/// </summary>
public interface IRunHostObserver : IGrainObserver
{
    /// <summary>Applies the writes in order, each once; false when the host gave this attempt up, and the worker must stop the run.
    /// </summary>
    Task<bool> Report(string runId, int attempt, IReadOnlyList<HistoryOperation> operations);

    /// <summary>The run's stored prompt changes (JSON list), for a resume to replay those after its checkpoint.</summary>
    Task<string> Steering(string runId, int attempt);

    /// <summary>The run's stored metric points of one name (JSON list).</summary>
    Task<string> Metrics(string runId, int attempt, string name);

    /// <summary>One chunk of the run's last checkpoint, packed as a zip archive.</summary>
    Task<byte[]> CheckpointChunk(string runId, int attempt, int index);

    /// <summary>
    /// One chunk of a folder a run of this host reads (its task, prior or teacher), by content hash, packed as a zip archive: for
    /// a worker that lacks it. Only folders of runs the host dispatched are served.
    /// </summary>
    Task<RunInputChunk> InputChunk(string hash, int index);

    /// <summary>One chunk of a saved checkpoint or student, packed as a zip archive; the last one replaces the host's copy as a
    /// whole. Returns the folder on the host.</summary>
    Task<string> SaveFolderChunk(string runId, int attempt, RunFolderKind kind, int index, int count, byte[] data);
}

public enum HistoryOperationKind { Update, Publish, Append, DeleteAfter }

/// <summary>
/// One write to a run's history, as JSON (the engine's own types, which know nothing of the cluster). <see cref="Sequence"/> numbers an
/// attempt's writes from 1, so the host applies a write sent again after a lost answer only once.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HistoryOperation([property: Id(0)] HistoryOperationKind Kind, [property: Id(1)] string Json,
    [property: Id(2)] long Sequence = 0);

public static class HistoryOperations
{
    /// <summary>
    /// The operations of a batch the host has not applied yet, in order, moving <paramref name="applied"/> (the last sequence applied)
    /// past them: a batch sent again after a lost answer may hold writes the host already applied. Unnumbered writes always count.
    /// </summary>
    public static IEnumerable<HistoryOperation> NotYetApplied(IEnumerable<HistoryOperation> batch, Func<long> applied, Action<long> apply)
    {
        foreach (HistoryOperation operation in batch)
        {
            if (operation.Sequence > 0 && operation.Sequence <= applied()) continue;
            if (operation.Sequence > 0) apply(operation.Sequence);
            yield return operation;
        }
    }
}
