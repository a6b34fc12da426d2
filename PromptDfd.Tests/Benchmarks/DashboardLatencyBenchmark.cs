using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Web;

namespace PromptDfd.Tests.Benchmarks;

/// <summary>One measured quantity: its median, 95th percentile and worst case in milliseconds over <see cref="Count"/> trials.</summary>
public sealed record LatencyResult(string Name, int Count, double Median, double P95, double Max);

/// <summary>
/// How the live Run page holds up in a big run: a run record with <c>samples</c> stored samples (8 per step, with five metrics a
/// step) is opened in chromium, then probe events are published on the hub as a trainer would, and the time from each publish to
/// the browser's DOM (a sample row in the stream; a point in a chart's Plotly data) is measured on the machine's one clock. The
/// sample search is timed in the store and, with its debounce, in the page.
/// </summary>
public sealed class DashboardLatencyBenchmark(DashboardHost host, int samples, int probes)
{
    private const int SamplesPerStep = 8;

    public List<LatencyResult> Results { get; } = [];
    public double PageLoadMilliseconds { get; private set; }

    public async Task RunAsync()
    {
        RunStore store = host.Manager.Store;
        string runId = SeedRun(store);
        var hub = host.Services.GetRequiredService<RunEventHub>();
        int lastStep = samples / SamplesPerStep;

        var load = Stopwatch.StartNew();
        IPage streamPage = await host.OpenAsync($"runs/{runId}?tab=samples");
        await streamPage.Locator(".sample-row").First.WaitForAsync(new() { Timeout = 120_000 });
        PageLoadMilliseconds = load.Elapsed.TotalMilliseconds;
        IPage chartPage = await host.OpenAsync($"runs/{runId}");
        await chartPage.WaitForSelectorAsync("#chart-kd .main-svg", new() { Timeout = 120_000 });

        // Each page notes, on the shared wall clock, when a probe first shows.
        await streamPage.EvaluateAsync(@"() => { window.seen = {}; new MutationObserver(() => {
            for (const cell of document.querySelectorAll('.sample-row .content')) {
                const match = /probe-(\d+)/.exec(cell.textContent); if (match && !(match[1] in window.seen)) window.seen[match[1]] = Date.now(); }
            }).observe(document.body, { childList: true, subtree: true, characterData: true }); }");
        await chartPage.EvaluateAsync(@"() => { window.seen = {}; let known = document.getElementById('chart-kd').data[0].x.length;
            setInterval(() => { const x = document.getElementById('chart-kd').data[0].x;
                for (; known < x.length; known++) window.seen[x[known]] = Date.now(); }, 5); }");

        var published = new Dictionary<int, long>();
        for (int probe = 0; probe < probes; probe++)
        {
            int step = lastStep + 1 + probe;
            published[probe] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            hub.Publish(new RunUpdate(runId, new SampleEvent(step, "positive", "probe", $" probe-{probe} text", "positive", 0.9, "positive")));
            hub.Publish(new RunUpdate(runId, new MetricEvent(step, (long)step * SamplesPerStep, MetricNames.StudentKdLoss, 0.01)));
            // A trainer's steps come a few times a second at most; a probe every 120 ms is faster than that.
            await Task.Delay(120);
        }
        await Task.Delay(1500);
        var streamSeen = await streamPage.EvaluateAsync<Dictionary<string, long>>("() => window.seen");
        var chartSeen = await chartPage.EvaluateAsync<Dictionary<string, long>>("() => window.seen");
        Results.Add(Summarise("trainer event to sample row in the stream", published.Where(p => streamSeen.ContainsKey($"{p.Key}"))
            .Select(p => (double)(streamSeen[$"{p.Key}"] - p.Value)), probes));
        Results.Add(Summarise("trainer event to point in a chart", published.Where(p => chartSeen.ContainsKey($"{lastStep + 1 + p.Key}"))
            .Select(p => (double)(chartSeen[$"{lastStep + 1 + p.Key}"] - p.Value)), probes));

        Results.Add(Time("store: newest page of samples", () => store.Samples(runId, new SampleQuery { Take = 25 })));
        Results.Add(Time("store: text search", () => store.Samples(runId, new SampleQuery { Text = "word 4242", Take = 25 })));
        Results.Add(Time("store: teacher label and disagreement filter", () => store.Samples(runId, new SampleQuery
        {
            TeacherLabel = "negative",
            Disagreement = SampleDisagreement.TeacherAndIntended,
            Skip = 500,
            Take = 25,
        })));
        Results.Add(await SearchInPage(streamPage));
    }

    private string SeedRun(RunStore store)
    {
        RunRecord run = host.StartTinyRun(1);
        host.Manager.WhenFinished(run.Id).Wait(TimeSpan.FromSeconds(90));
        run = store.Get(run.Id)!;
        // The finished tiny run becomes a big one that is still going: its record, then its samples and curves.
        run.Status = RunStatus.Running;
        run.TotalSteps = samples / SamplesPerStep + probes + 10;
        run.Step = samples / SamplesPerStep;
        store.Update(run);
        store.DeleteAfter(run.Id, -1);
        var random = new Random(1);
        string[] labels = ["negative", "positive"];
        for (int start = 0; start < samples; start += 5000)
        {
            var batch = Enumerable.Range(start, Math.Min(5000, samples - start)).Select(i => new SampleRecord
            {
                RunId = run.Id,
                Step = i / SamplesPerStep + 1,
                Class = labels[i % 2],
                Prompt = "The film",
                Content = $" was word {random.Next(10_000)} and word {random.Next(10_000)}",
                TeacherLabel = labels[random.Next(2)],
                TeacherConfidence = random.NextDouble(),
                StudentLabel = labels[random.Next(2)],
                Origin = "Policy",
            }).ToList();
            var metrics = batch.Where((_, i) => i % SamplesPerStep == 0).SelectMany(s => new[]
            {
                MetricNames.StudentKdLoss, MetricNames.RewardTotal, MetricNames.PrompterEntropy, MetricNames.SamplesPerSecond,
                MetricNames.ProcessMemoryMegabytes,
            }.Select(name => new MetricPoint
            {
                RunId = run.Id,
                Name = name,
                Step = s.Step,
                SamplesSeen = (long)s.Step * SamplesPerStep,
                Value = random.NextDouble(),
            })).ToList();
            store.Append(metrics, batch, []);
        }
        return run.Id;
    }

    private static async Task<LatencyResult> SearchInPage(IPage page)
    {
        var times = new List<double>();
        for (int trial = 0; trial < 5; trial++)
        {
            string word = $"word {1000 + trial}";
            var watch = Stopwatch.StartNew();
            await page.Locator("#sample-search").FillAsync(word);
            await page.WaitForFunctionAsync($"() => new URLSearchParams(location.search).get('search') === '{word}' && " +
                "/samples match/.test(document.body.innerText)", null, new() { Timeout = 60_000 });
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Summarise("page: text search, typing to results (400 ms debounce included)", times, times.Count);
    }

    private static LatencyResult Time(string name, Action query)
    {
        query();
        var times = new List<double>();
        for (int trial = 0; trial < 10; trial++)
        {
            var watch = Stopwatch.StartNew();
            query();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Summarise(name, times, times.Count);
    }

    private static LatencyResult Summarise(string name, IEnumerable<double> values, int expected)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count < expected) name += $" ({expected - sorted.Count} of {expected} never shown)";
        if (sorted.Count == 0) return new LatencyResult(name, 0, double.NaN, double.NaN, double.NaN);
        double Percentile(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return new LatencyResult(name, sorted.Count, Percentile(0.5), Percentile(0.95), sorted[^1]);
    }
}
