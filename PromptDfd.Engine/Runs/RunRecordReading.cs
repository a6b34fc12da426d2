using System.Runtime.CompilerServices;
using System.Text.Json;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// What the run layer reads from the store's plain records: the typed config (the store keeps its JSON and knows
/// nothing of configs) and the prompt changes a run recorded.
/// </summary>
public static class RunRecordReading
{
    private static readonly ConditionalWeakTable<RunRecord, ParsedConfig> Parsed = new();

    extension(RunRecord run)
    {
        /// <summary>The typed config, parsed once per <see cref="RunRecord.ConfigJson"/> (pages read it on every render).</summary>
        public RunConfig Config
        {
            get
            {
                if (Parsed.TryGetValue(run, out ParsedConfig? parsed) && ReferenceEquals(parsed.Json, run.ConfigJson)) return parsed.Config;
                RunConfig config = RunConfig.FromJson(run.ConfigJson, $"config of run {run.Id}");
                Parsed.AddOrUpdate(run, new ParsedConfig(run.ConfigJson, config));
                return config;
            }
        }
    }

    /// <summary>The prompt changes a run recorded, each at the step it took effect.</summary>
    public static IReadOnlyList<ScheduledSteering> Steering(this RunStore store, string runId) =>
        store.Events(runId, RunEventKinds.Steering)
            .Select(e => new ScheduledSteering(e.Step, JsonSerializer.Deserialize<SteeringCommand>(e.Data!)!)).ToList();

    private sealed record ParsedConfig(string Json, RunConfig Config);
}
