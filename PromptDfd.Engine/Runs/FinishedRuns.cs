namespace PromptDfd.Engine.Runs;

/// <summary>Finds a completed run that already answers a config, so experiments resume instead of repeating work.</summary>
public static class FinishedRuns
{
    /// <param name="config">a completed config (<see cref="RunBuilder.Complete"/>)</param>
    public static RunRecord? Matching(IEnumerable<RunRecord> runs, RunConfig config, RunEnvironment environment)
    {
        string json = config.ToJson();
        var inputs = RunBuilder.InputHashes(config, environment);
        // Compared as re-serialised configs, so fields added or dropped by later code versions do not hide a finished run;
        // and by the hashes of what it read, so a retrained teacher or an edited dataset is run again.
        return runs.FirstOrDefault(r => r.Status == RunStatus.Completed
                                        && RunConfig.FromJson(r.ConfigJson).ToJson() == json
                                        && inputs.All(h => r.Hashes.GetValueOrDefault(h.Key) == h.Value));
    }
}
