using System.IO.Compression;
using System.Net;
using System.Text.Json;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>The dashboard's download links, over a real Kestrel, for a finished tiny run in the real LiteDB store.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class RunExportEndpointTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private async Task<RunRecord> FinishedRun()
    {
        RunRecord run = host.Manager.Submit(TinyRunEnvironment.Config(steps: 6) with { Name = $"export {Guid.NewGuid():N}"[..20] });
        RunRecord finished = await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(RunStatus.Completed, finished.Status);
        return finished;
    }

    [Fact]
    public async Task SamplesMetricsAndStudentDownloadWholeAndUnknownRunsAre404()
    {
        RunRecord run = await FinishedRun();
        using var client = new HttpClient { BaseAddress = host.Address };
        var store = host.Manager.Store;

        // More than a writer's buffer: a response refuses synchronous writes once it has to flush.
        string samples = await client.GetStringAsync($"/api/runs/{run.Id}/samples.jsonl");
        Assert.True(samples.Length > 8192, $"the fixture run should write more than one buffer ({samples.Length} characters)");
        var lines = samples.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(store.AllSamples(run.Id).Count, lines.Length);
        foreach (string line in lines)
        {
            using var row = JsonDocument.Parse(line);
            Assert.Contains(row.RootElement.GetProperty("label").GetString(), TinyRunEnvironment.Labels);
            Assert.False(string.IsNullOrEmpty(row.RootElement.GetProperty("text").GetString()));
        }

        string metrics = await client.GetStringAsync($"/api/runs/{run.Id}/metrics.csv");
        var rows = metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("step,samples_seen,name,value", rows[0]);
        Assert.Equal(store.Metrics(run.Id).Count, rows.Length - 1);
        Assert.Contains(rows, r => r.Contains(",student/accuracy,"));

        using var zip = new ZipArchive(await client.GetStreamAsync($"/api/runs/{run.Id}/student.zip"));
        Assert.Contains(zip.Entries, e => e.FullName == "model.safetensors");
        Assert.Contains(zip.Entries, e => e.FullName == "config.json");

        Assert.Contains(run.Id, await client.GetStringAsync("/api/runs.csv"));
        // The download takes the Runs page's filters from the same URL parameters, leniently.
        string csv = await client.GetStringAsync($"/api/runs.csv?q={Uri.EscapeDataString(run.Name)}&status=Completed&min=abc");
        var filtered = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, filtered.Length);
        Assert.StartsWith(run.Id + ",", filtered[1]);
        Assert.Single((await client.GetStringAsync("/api/runs.csv?q=no-run-is-named-this")).Split('\n',
            StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/runs/no-such-run/metrics.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/runs/no-such-run/samples.jsonl")).StatusCode);
    }

    [Fact]
    public async Task TheCommandLineExportWritesWhatTheDashboardServes()
    {
        RunRecord run = await FinishedRun();
        using var client = new HttpClient { BaseAddress = host.Address };
        using var folder = new TemporaryFolder();
        foreach (var (what, url) in new[] { ("samples", $"/api/runs/{run.Id}/samples.jsonl"),
            ("metrics", $"/api/runs/{run.Id}/metrics.csv") })
        {
            string file = folder.File($"{what}.out");
            var (exitCode, error) = await CommandLine.RunAsync(host.Environment.Root, "export", "--store", host.Environment.StorePath,
                "--run", run.Id, "--what", what, "--out", file);
            Assert.True(exitCode == 0, error);
            Assert.Equal(await client.GetStringAsync(url), File.ReadAllText(file));
        }
    }
}
