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

/// <summary>
/// What the host has applied of one attempt's history: a batch sent again after a lost answer may hold writes it already
/// applied, and those are not applied twice. Unnumbered writes always count.
/// </summary>
public sealed class AppliedHistory
{
    private long last;

    /// <summary>Whether to apply this write now; it counts as applied from here on.</summary>
    public bool Takes(HistoryOperation operation)
    {
        if (operation.Sequence == 0) return true;
        if (operation.Sequence <= last) return false;
        last = operation.Sequence;
        return true;
    }
}
