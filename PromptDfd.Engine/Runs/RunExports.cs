using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>A run's synthetic dataset as JSONL, its metrics as CSV, and the runs table as CSV or JSON.</summary>
public static class RunExports
{
    private static readonly JsonSerializerOptions Line = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>One {"text", "label", ...} object per sample; "label" is the teacher's, as the student learnt it.</summary>
    /// <remarks>Asynchronous because a web response refuses synchronous writes once its buffer fills.</remarks>
    public static async Task WriteSamplesJsonlAsync(RunStore store, string runId, TextWriter writer, CancellationToken cancellation =
        default)
    {
        foreach (SampleRecord s in store.AllSamples(runId))
        {
            var row = new
            {
                text = s.Prompt + s.Content,
                label = s.TeacherLabel,
                teacher_confidence = s.TeacherConfidence,
                target_class = s.Class,
                prompt = s.Prompt,
                content = s.Content,
                step = s.Step,
                origin = s.Origin,
                student_label = s.StudentLabel,
                banned = s.Banned
            };
            await writer.WriteAsync((JsonSerializer.Serialize(row, Line) + "\n").AsMemory(), cancellation);
        }
        await writer.FlushAsync(cancellation);
    }

    public static async Task WriteMetricsCsvAsync(RunStore store, string runId, TextWriter writer, CancellationToken cancellation = default)
    {
        await writer.WriteAsync("step,samples_seen,name,value\n".AsMemory(), cancellation);
        foreach (MetricPoint m in store.Metrics(runId))
            await writer.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                $"{m.Step},{m.SamplesSeen},{Csv(m.Name)},{m.Value:R}\n").AsMemory(), cancellation);
        await writer.FlushAsync(cancellation);
    }

    public static string RunsCsv(IEnumerable<RunRecord> runs)
    {
        var text = new StringBuilder("id,name,task,preset,method,status,seed,step,total_steps,samples_seen," +
            "accuracy,last_evaluation_accuracy,teacher_accuracy,tags,starred,created_at,code_version\n");
        foreach (RunRecord r in runs)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"{Csv(r.Id)},{Csv(r.Name)},{Csv(r.Task)},{Csv(r.Preset)},{Csv(r.Method)},{r.Status},{r.Seed},{r.Step},{r.TotalSteps}," +
                $"{r.SamplesSeen},{r.ReportedAccuracy:R},{r.LastAccuracy:R},{r.TeacherAccuracy:R},{Csv(string.Join(';', r.Tags))},{r.Starred}," +
                $"{r.CreatedAt:O},{Csv(r.CodeVersion)}\n"));
        }
        return text.ToString();
    }

    public static string RunsJson(IEnumerable<RunRecord> runs) => JsonSerializer.Serialize(runs.Select(r => new
    {
        r.Id,
        r.Name,
        r.Task,
        r.Preset,
        r.Method,
        Status = r.Status.ToString(),
        r.Seed,
        r.Step,
        r.TotalSteps,
        r.SamplesSeen,
        Accuracy = r.ReportedAccuracy,
        LastEvaluationAccuracy = r.LastAccuracy,
        r.TeacherAccuracy,
        r.Tags,
        r.Starred,
        r.Notes,
        r.CreatedAt,
        r.CodeVersion,
        r.Runtime,
        r.Hashes,
        Config = JsonDocument.Parse(r.ConfigJson).RootElement,
    }), Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
