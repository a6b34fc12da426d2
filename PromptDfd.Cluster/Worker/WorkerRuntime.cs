using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PromptDfd.Cluster.Contracts;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cluster.Worker;

/// <summary>
/// The runs one worker executes, on its libtorch thread. A stopping worker interrupts its runs with a checkpoint that goes
/// back to the host; a killed one (the stop is already cancelled) just stops, as a process that died would.
/// </summary>
public sealed class WorkerRuntime(TorchJobQueue torch, RunEnvironment environment, IOptions<WorkerOptions> options) : IHostedService
{
    private sealed class Execution(int attempt, RunControl control)
    {
        public int Attempt => attempt;
        public RunControl Control => control;
        /// <summary>The host stops: the run ends interrupted (resumable), not cancelled.</summary>
        public volatile bool Interrupted;
    }

    private readonly ConcurrentDictionary<string, Execution> executions = new();
    private readonly InputFetcher fetcher = new(environment);
    private readonly WorkerOptions settings = options.Value;
    private volatile bool stopping;
    private volatile bool killed;

    public WorkerOptions Options => settings;
    public RunEnvironment Environment => environment;
    public IReadOnlyList<string> Runs => [.. executions.Keys];
    public bool HasRoom => settings.AcceptsRuns && !stopping && executions.Count < settings.Slots;

    public WorkerDescription Describe(string address) => new(address, settings.Name, settings.Kind,
        environment.Threads > 0 ? environment.Threads : System.Environment.ProcessorCount,
        TorchSharp.torch.cuda.is_available() ? "cuda" : "cpu", HasRoom ? settings.Slots - executions.Count : 0, Runs,
        ProcessOwner.Current, environment.Workspace.Runs);

    public async Task Start(RunAssignment assignment, IRunHostObserver host)
    {
        if (!HasRoom) throw new InvalidOperationException($"Worker {settings.Name} has no free slot" +
            (stopping ? " (it is stopping)." : "."));
        RunRecord run = HistoryWire.Read<RunRecord>(assignment.RunJson);
        if (run.Id != assignment.RunId) throw new InvalidDataException($"Assignment {assignment.RunId} carried run {run.Id}.");
        string checkpoint = Path.Combine(environment.RunFolder(run.Id), RunFolderKind.Checkpoint.FolderName());
        bool sharesFolders = assignment.SharesFoldersWith(ProcessOwner.Current, environment.Workspace.Runs);
        if (sharesFolders) run.CheckpointFolder = run.CheckpointFolder is null ? null : checkpoint;
        else if (assignment.CheckpointChunks > 0)
        {
            var archive = new MemoryStream();
            for (int index = 0; index < assignment.CheckpointChunks; index++)
                archive.Write(await host.CheckpointChunk(run.Id, assignment.Attempt, index));
            FolderArchive.Unpack(archive.ToArray(), checkpoint);
            run.CheckpointFolder = checkpoint;
        }
        else run.CheckpointFolder = null;
        run.Worker = settings.Name;
        // The dashboard's own worker reads the host's folders themselves.
        RunEnvironment inputs = sharesFolders ? environment
            : await fetcher.For(RunConfig.FromJson(run.ConfigJson, $"config of run {run.Id}"), assignment.Inputs, host);
        if (!HasRoom) throw new InvalidOperationException($"Worker {settings.Name} has no free slot any more.");
        var control = new RunControl();
        var entry = new Execution(assignment.Attempt, control);
        if (!executions.TryAdd(run.Id, entry))
            throw new InvalidOperationException($"Worker {settings.Name} already executes run {run.Id}.");
        RemoteRunHistory? history = null;
        try
        {
            history = new RemoteRunHistory(host, run.Id, assignment.Attempt, () => killed, copiesFolders: !sharesFolders);
            var execution = new RunExecution(history, inputs, run, control, assignment.Resume, () => stopping || entry.Interrupted);
            Task job = torch.Schedule($"run {run.Id}", TorchJobPriority.Training, seed: 0, UntilKilled(execution.Drive(), history));
            _ = Finish(job, run.Id, history);
        }
        catch
        {
            // A run that never started (the host gave its attempt up meanwhile) must not keep its slot.
            history?.Dispose();
            executions.TryRemove(new KeyValuePair<string, Execution>(run.Id, entry));
            throw;
        }
    }

    /// <summary>After the run's last step: its final record reaches the host before the worker stops counting it as executing.</summary>
    private async Task Finish(Task job, string runId, RemoteRunHistory history)
    {
        try { await job; }
        catch (Exception error) when (error is not OutOfMemoryException) { }
        await history.CloseAsync();
        history.Dispose();
        executions.TryRemove(runId, out Execution? _);
    }

    /// <summary>A killed worker runs no further step of anything, nor does a run the host gave up on this worker.</summary>
    private IEnumerable<TorchYield> UntilKilled(IEnumerable<TorchYield> steps, RemoteRunHistory history)
    {
        foreach (TorchYield pause in steps)
        {
            if (killed || history.GivenUp) yield break;
            yield return pause;
        }
    }

    public bool IsExecuting(string runId, int attempt) =>
        !killed && executions.TryGetValue(runId, out Execution? execution) && execution.Attempt == attempt;

    public void Control(string runId, int attempt, RunCommand command, SteeringCommand? steering)
    {
        if (!executions.TryGetValue(runId, out Execution? execution) || execution.Attempt != attempt)
            throw new InvalidOperationException($"Run {runId} is not executing on worker {settings.Name}.");
        RunControl control = execution.Control;
        switch (command)
        {
            case RunCommand.Pause: control.Pause(); break;
            case RunCommand.Continue: control.Continue(); break;
            case RunCommand.Cancel: control.Cancel(); break;
            case RunCommand.Interrupt:
                execution.Interrupted = true;
                control.Cancel();
                break;
            case RunCommand.Steer:
                control.Steer(runId, steering ?? throw new ArgumentException("A steering command was expected."));
                break;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        // An already-cancelled stop is a kill: nothing is saved or sent, so the host must find the run by itself.
        if (cancellationToken.IsCancellationRequested)
        {
            killed = true;
            return;
        }
        foreach (Execution execution in executions.Values) execution.Control.Cancel();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!executions.IsEmpty && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(100, CancellationToken.None);
    }
}
