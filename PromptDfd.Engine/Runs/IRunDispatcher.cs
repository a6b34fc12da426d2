using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>The workers of a cluster, which execute the runs a <see cref="RunManager"/> queues instead of its own libtorch thread.</summary>
public interface IRunDispatcher
{
    /// <summary>
    /// Waits until a worker has room for <paramref name="run"/>, starts it there (resuming from its checkpoint when
    /// <paramref name="resume"/>) and wires <paramref name="control"/> to it; the worker's reports go to <paramref name="history"/>.
    /// The returned task completes when the execution ends, whatever the run's status, or fails with
    /// <see cref="WorkerLostException"/> when the worker is lost.
    /// </summary>
    Task<Task> Start(RunRecord run, RunControl control, bool resume, IRunHistory history, CancellationToken cancellation);

    /// <summary>Which worker executes which run now (run id → worker name).</summary>
    IReadOnlyDictionary<string, string> Placements { get; }
}

/// <summary>The worker executing a run stopped answering or left the cluster; the run can resume elsewhere from its last checkpoint.</summary>
public sealed class WorkerLostException(string message) : Exception(message);
