using System.Text.Json;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cluster.Contracts;

/// <summary>The one mapping between a run's history writes and the JSON a worker sends for them.</summary>
public static class HistoryWire
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    private sealed record UpdatePayload(RunRecord Run, RunNoticeEvent? Notice);
    private sealed record AppendPayload(List<MetricPoint> Metrics, List<SampleRecord> Samples, List<RunEventRecord> Events);

    public static HistoryOperation Update(RunRecord run, RunNoticeEvent? notice) =>
        new(HistoryOperationKind.Update, JsonSerializer.Serialize(new UpdatePayload(run, notice), Options));

    public static HistoryOperation Publish(RunUpdate update) => new(HistoryOperationKind.Publish, JsonSerializer.Serialize(update, Options));

    public static HistoryOperation Append(IReadOnlyCollection<MetricPoint> metrics, IReadOnlyCollection<SampleRecord> samples,
        IReadOnlyCollection<RunEventRecord> events) =>
        new(HistoryOperationKind.Append, JsonSerializer.Serialize(new AppendPayload([.. metrics], [.. samples], [.. events]), Options));

    public static HistoryOperation DeleteAfter(int step) => new(HistoryOperationKind.DeleteAfter, JsonSerializer.Serialize(step, Options));

    /// <summary>
    /// Applies one operation of run <paramref name="runId"/> to the store owner's history; a worker can only write its own run.
    /// Returns the run's record when the operation stored one.
    /// </summary>
    /// <param name="onHost">turns the worker's record into the host's (its checkpoint folder is the host's copy)</param>
    public static RunRecord? Apply(HistoryOperation operation, string runId, IRunHistory history, Action<RunRecord> onHost)
    {
        switch (operation.Kind)
        {
            case HistoryOperationKind.Update:
                var update = Read<UpdatePayload>(operation.Json);
                RequireRun(update.Run.Id, runId);
                onHost(update.Run);
                history.Update(update.Run, update.Notice);
                return update.Run;
            case HistoryOperationKind.Publish:
                var published = Read<RunUpdate>(operation.Json);
                RequireRun(published.RunId, runId);
                if (published.Run is { } run) onHost(run);
                history.Publish(published);
                return null;
            case HistoryOperationKind.Append:
                var append = Read<AppendPayload>(operation.Json);
                foreach (string id in append.Metrics.Select(m => m.RunId).Concat(append.Samples.Select(s => s.RunId))
                    .Concat(append.Events.Select(e => e.RunId))) RequireRun(id, runId);
                history.Append(append.Metrics, append.Samples, append.Events);
                return null;
            case HistoryOperationKind.DeleteAfter:
                history.DeleteAfter(runId, Read<int>(operation.Json));
                return null;
            default:
                throw new InvalidDataException($"Unknown history operation {operation.Kind}.");
        }
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new InvalidDataException($"A worker sent an empty {typeof(T).Name}.");

    public static IReadOnlyList<ScheduledSteering> ReadSteering(string json) => Read<List<ScheduledSteering>>(json);

    private static void RequireRun(string sent, string expected)
    {
        if (sent != expected) throw new InvalidDataException($"A report for run {expected} carried a write for run {sent}.");
    }
}
