using PromptDfd.Engine.Store;

namespace PromptDfd.Tests.Cluster;

/// <summary>Where a run stands and what its event log says, for a cluster test's failure message.</summary>
public static class RunStory
{
    public static string Of(RunStore store, string runId) => store.Get(runId) is { } run
        ? $"run {run.Id} {run.Status} at step {run.Step} on {run.Worker ?? "no worker"} (checkpoint {run.CheckpointStep}): " +
            string.Join(" / ", store.Events(runId).Select(e => $"{e.Step}:{e.Message}"))
        : $"no run {runId}";

    public static string OfAll(RunStore store) => string.Join("\n", store.All().Select(run => Of(store, run.Id)));
}
