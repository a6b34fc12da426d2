using Orleans.Concurrency;

namespace PromptDfd.Cluster.Contracts;

/// <summary>
/// One worker of the cluster: a silo that executes runs on its own libtorch thread. Its key is the silo's address, and it is
/// always activated on that silo (its placement), so a call to a worker that left fails instead of
/// starting a stand-in elsewhere.
/// </summary>
public interface IRunWorkerGrain : IGrainWithStringKey
{
    // Describing, checking and steering never wait behind a Start that is still fetching a run's models or checkpoint.
    [AlwaysInterleave]
    Task<WorkerDescription> Describe();

    /// <summary>Starts the run on this worker's libtorch thread and returns; the run reports to <paramref name="host"/>.</summary>
    Task Start(RunAssignment assignment, IRunHostObserver host);

    /// <summary>Pauses, continues, cancels or interrupts a run of this attempt; a steering command it refuses throws with the reason.</summary>
    [AlwaysInterleave]
    Task Control(string runId, int attempt, RunCommand command, string? steeringJson = null);

    /// <summary>Whether the attempt is still executing here (false: it ended, or the worker never had it).</summary>
    [AlwaysInterleave]
    Task<bool> IsExecuting(string runId, int attempt);
}

public enum RunCommand { Pause, Continue, Cancel, Interrupt, Steer }

/// <summary>What a worker offers: its name, what kind of machine it is (a run can ask for a kind), its threads and device.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerDescription(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string Kind,
    [property: Id(3)] int Threads,
    [property: Id(4)] string Device,
    [property: Id(5)] int Slots,
    [property: Id(6)] IReadOnlyList<string> Runs,
    [property: Id(7)] string Process,
    [property: Id(8)] string RunsFolder);

/// <summary>
/// A run for a worker. <see cref="Attempt"/> numbers the run's executions: reports of an attempt the host has given up on
/// (its worker was thought lost) are ignored, so two workers can never both write one run's history.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RunAssignment(
    [property: Id(0)] string RunId,
    [property: Id(1)] int Attempt,
    [property: Id(2)] string RunJson,
    [property: Id(3)] bool Resume,
    [property: Id(4)] int CheckpointChunks,
    [property: Id(5)] string HostProcess,
    [property: Id(6)] string HostRunsFolder,
    [property: Id(7)] IReadOnlyList<RunInput> Inputs)
{
    public bool SharesFoldersWith(string process, string runsFolder) => RunFolders.Shared(HostProcess, HostRunsFolder, process, runsFolder);
}

public static class RunFolders
{
    /// <summary>
    /// A worker in the host's own process with the host's run folders (the dashboard's own worker): the folders a run saves are
    /// already where the host keeps them, and nothing needs copying.
    /// </summary>
    public static bool Shared(string hostProcess, string hostRunsFolder, string workerProcess, string workerRunsFolder) =>
        hostProcess == workerProcess &&
            string.Equals(Path.GetFullPath(hostRunsFolder), Path.GetFullPath(workerRunsFolder), StringComparison.Ordinal);
}
