using System.IO.Compression;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Web.Components.Runs;

namespace PromptDfd.Web.Services;

/// <summary>Download endpoints: the runs table (CSV/JSON, same filters as the page) and one run's samples, metrics and student.</summary>
public static class RunExportEndpoints
{
    public static void MapRunExports(this WebApplication app)
    {
        app.MapGet("/api/runs.csv", (HttpRequest request, RunStore store) =>
            Results.Text(RunExports.RunsCsv(store.Query(QueryFrom(request)).Items), "text/csv"));
        app.MapGet("/api/runs.json", (HttpRequest request, RunStore store) =>
            Results.Text(RunExports.RunsJson(store.Query(QueryFrom(request)).Items), "application/json"));
        app.MapGet("/api/runs/{id}/samples.jsonl", (string id, RunStore store) => store.Get(id) is null
            ? Results.NotFound($"There is no run '{id}'.")
            : Results.Stream(async stream =>
            {
                await using var writer = new StreamWriter(stream);
                await RunExports.WriteSamplesJsonlAsync(store, id, writer);
            }, "application/x-ndjson", $"{id}-samples.jsonl"));
        app.MapGet("/api/runs/{id}/metrics.csv", (string id, RunStore store) => store.Get(id) is null
            ? Results.NotFound($"There is no run '{id}'.")
            : Results.Stream(async stream =>
            {
                await using var writer = new StreamWriter(stream);
                await RunExports.WriteMetricsCsvAsync(store, id, writer);
            }, "text/csv", $"{id}-metrics.csv"));
        app.MapGet("/api/runs/{id}/student.zip", (string id, RunStore store) =>
        {
            RunRecord? run = store.Get(id);
            if (run?.StudentFolder is null || !Directory.Exists(run.StudentFolder)) return
                Results.NotFound($"Run '{id}' has no student checkpoint (students are saved when a run completes).");
            var buffer = new MemoryStream();
            ZipFile.CreateFromDirectory(run.StudentFolder, buffer);
            return Results.File(buffer.ToArray(), "application/zip", $"{id}-student.zip");
        });
    }

    private static RunQuery QueryFrom(HttpRequest request) =>
        RunListQuery.From(key => request.Query.TryGetValue(key, out var values) ? values.FirstOrDefault() : null) with
        {
            Take = int.MaxValue
        };
}
