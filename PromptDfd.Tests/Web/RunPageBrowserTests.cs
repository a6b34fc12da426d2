using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>End to end on the Run page's chart panels, its phase and the notice when a run ends: a real Kestrel, Debian's
/// chromium, Plotly's own state read back from the page.</summary>
[Trait(TestCategory.Name, TestCategory.Browser)]
public sealed class RunPageBrowserTests : IClassFixture<DashboardHost>
{
    private readonly DashboardHost host;

    public RunPageBrowserTests(DashboardHost host) => this.host = host;

    private static Task<int> TraceCount(IPage page, string chart) =>
        page.EvaluateAsync<int>($"() => document.getElementById('{chart}').data.length");

    [Fact]
    public async Task APanelSmoothsHidesMetricsUsesALogScaleGoesFullScreenAndDownloadsItsPoints()
    {
        RunRecord run = host.StartTinyRun(12);
        await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));
        IPage page = await host.OpenAsync($"runs/{run.Id}");
        var panel = page.Locator("#chart-accuracy-panel");
        await page.WaitForSelectorAsync("#chart-accuracy .main-svg");
        Assert.Equal(4, await TraceCount(page, "chart-accuracy"));
        // Mixed scales start split: each reward term on its own row, titled with its unit.
        Assert.Equal("true", await page.Locator("#chart-reward-panel").GetAttributeAsync("data-split"));
        Assert.Equal(5, await page.EvaluateAsync<int>(
            "() => Object.keys(document.getElementById('chart-reward').layout).filter(k => k.startsWith('yaxis')).length"));
        Assert.Equal("fraction (0–1)", await page.EvaluateAsync<string>(
            "() => document.getElementById('chart-accuracy').layout.yaxis.title.text"));
        await DashboardHost.Screenshot(page, "run-chart-panels");

        await panel.Locator(".chart-smoothing").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "0.9" }).First.ClickAsync();
        await page.WaitForSelectorAsync("#chart-accuracy-panel[data-smoothing='0.9']");
        await page.WaitForFunctionAsync("() => document.getElementById('chart-accuracy').data.length === 8");

        await panel.Locator(".chart-metrics button").ClickAsync();
        await page.Locator(".chart-metric[data-metric='teacher/accuracy']").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('chart-accuracy').data.length === 6");
        await page.Keyboard.PressAsync("Escape");

        await panel.Locator(".chart-log input").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('chart-accuracy').layout.yaxis.type === 'log'");

        IDownload download = await page.RunAndWaitForDownloadAsync(() => panel.Locator(".chart-csv").ClickAsync());
        string csv = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.StartsWith("series,step,value\n", csv);
        int evaluations = host.Manager.Store.Metrics(run.Id, "student/accuracy").Count;
        Assert.Equal(evaluations, csv.Split('\n').Count(line => line.StartsWith("student/accuracy,", StringComparison.Ordinal)));
        Assert.Equal($"{run.Id}-accuracy.csv", download.SuggestedFilename);

        await panel.GetByRole(AriaRole.Button, new() { Name = "Full screen 'Accuracy on the real evaluation split'" }).ClickAsync();
        await page.WaitForSelectorAsync("#chart-accuracy-panel.chart-fullscreen");
        await page.WaitForFunctionAsync("() => document.querySelector('#chart-accuracy .main-svg').getBoundingClientRect().height > 800");
        await DashboardHost.Screenshot(page, "run-chart-fullscreen");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Exit full screen 'Accuracy on the real evaluation split'" }).ClickAsync();
        await page.WaitForSelectorAsync("#chart-accuracy-panel:not(.chart-fullscreen)");

        // A panel's own view is in the link too: a reload (or the link sent to a colleague) shows the same panel.
        await page.WaitForFunctionAsync("() => decodeURIComponent(location.search).includes('p.chart-accuracy=s0.9,log,-teacher/accuracy')");
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#chart-accuracy-panel[data-log='true'][data-smoothing='0.9']");
        await page.WaitForFunctionAsync("() => document.getElementById('chart-accuracy')?.data?.length === 6");

        // The page's smoothing is in the link and starts every panel with it.
        await page.GotoAsync($"{host.Address}runs/{run.Id}?smooth=0.9");
        await page.WaitForSelectorAsync("#chart-kd-panel[data-smoothing='0.9']");
        await page.WaitForFunctionAsync("() => document.getElementById('chart-accuracy')?.data?.length === 8");
    }

    [Fact]
    public async Task AQueuedRunsChartsSayTheyWaitForDataAndARunningRunShowsWhatItIsDoing()
    {
        RunRecord running = host.StartTinyRun(4000);
        RunRecord queued = host.StartTinyRun(4000, seed: 2);
        try
        {
            IPage page = await host.OpenAsync($"runs/{queued.Id}");
            await page.Locator("#chart-accuracy-panel .chart-waiting", new() { HasTextString = "Waiting for data" }).WaitForAsync();

            await page.GotoAsync($"{host.Address}runs/{running.Id}");
            var phase = page.Locator("#run-phase");
            await phase.WaitForAsync();
            Assert.Matches("loading models|evaluating|training|saving", await phase.InnerTextAsync());
            // Health is charted from the first steps on: throughput, time per phase, memory and CPU.
            await page.WaitForFunctionAsync("() => Number(document.querySelector('#chart-process-panel')?.dataset.points ?? 0) >= 2");
            Assert.True(host.Manager.Store.Metrics(running.Id, "process/memory_mb").All(m => m.Value > 10));
        }
        finally
        {
            foreach (RunRecord run in new[] { queued, running })
                if (host.Manager.Store.Get(run.Id)?.IsActive == true) host.Manager.Cancel(run.Id);
            await host.Manager.WhenFinished(running.Id).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    [Fact]
    public async Task APageOpenedAsItsRunStartsChartsEveryStoredPointExactlyOnce()
    {
        // The page reads the store while the run's first points are published but not yet stored (they are written in
        // batches): before, it could lose them or, when a panel was built mid-update, draw them twice.
        var (run, page) = await OpenedAsItStartsAndFollowedToItsEnd(steps: 40);

        await AssertPanelsDrawTheStoredSteps(page, run.Id);
    }

    [Fact]
    public async Task APageOpenWhileItsRunGoesBackToACheckpointDrawsTheStepsWrittenAgain()
    {
        var (run, page) = await OpenedAsItStartsAndFollowedToItsEnd(steps: 12);
        await AssertPanelsDrawTheStoredSteps(page, run.Id);

        // What a run resumed from its checkpoint at step 6 does (RunExecution, after a lost worker), through the history the
        // dashboard writes with: the store drops the later steps, the record goes back to step 6, and the steps after it are
        // published at once and stored after. Here they carry values the first attempt never had.
        var history = new StoreRunHistory(host.Manager.Store, host.Services.GetRequiredService<RunEventHub>());
        history.DeleteAfter(run.Id, 6);
        RunRecord record = host.Manager.Store.Get(run.Id)!;
        (record.Status, record.Step) = (RunStatus.Running, 6);
        history.Update(record);
        var again = Enumerable.Range(7, 4).Select(step => new MetricPoint
        {
            RunId = run.Id,
            Step = step,
            SamplesSeen = step * 8L,
            Name = MetricNames.RewardTotal,
            Value = 100 + step,
        }).ToList();
        foreach (MetricPoint point in again)
            history.Publish(new RunUpdate(run.Id, new MetricEvent(point.Step, point.SamplesSeen, point.Name, point.Value)));
        history.Append(again, [], []);
        (record.Status, record.Step) = (RunStatus.Completed, 10);
        history.Update(record);

        await AssertPanelsDrawTheStoredSteps(page, run.Id);
        string drawnTotal = await page.EvaluateAsync<string>(
            $"() => document.getElementById('chart-reward').data.find(t => t.name === '{MetricNames.RewardTotal}').y.slice(-4).join(',')");
        Assert.Equal("107,108,109,110", drawnTotal);
    }

    private async Task<(RunRecord Run, IPage Page)> OpenedAsItStartsAndFollowedToItsEnd(int steps)
    {
        RunRecord run = host.StartTinyRun(steps);
        IPage page = await host.OpenAsync($"runs/{run.Id}");
        await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));
        return (run, page);
    }

    /// <summary>Waits until every panel's Plotly traces, read from the page, hold each stored step of their metric once and in
    /// order.</summary>
    private async Task AssertPanelsDrawTheStoredSteps(IPage page, string runId)
    {
        var stored = host.Manager.Store.Metrics(runId).GroupBy(m => m.Name)
            .ToDictionary(g => g.Key, g => string.Join(",", g.OrderBy(m => m.Id).Select(m => m.Step)));
        List<string> differences = [];
        int compared = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(250))
        {
            // Each panel's traces, as Plotly holds them after every newPlot, react and extendTraces.
            var drawn = await page.EvaluateAsync<string[][]>(@"() => [...document.querySelectorAll('.js-plotly-plot')]
                .flatMap(d => (d.data || []).map(t => [d.id, t.name || '', (t.x || []).join(',')]))");
            var traces = drawn.Where(t => stored.ContainsKey(t[1])).ToList();
            compared = traces.Count;
            differences = traces.Where(t => t[2] != stored[t[1]]).Select(t => $"{t[0]} {t[1]}: drew [{t[2]}], stored [{stored[t[1]]}]")
                .ToList();
            // A short run can end before its page has drawn a panel: there is then nothing to compare yet.
            if ((differences.Count == 0 && compared >= 20) || DateTime.UtcNow > deadline) break;
        }
        Assert.True(compared >= 20, $"only {compared} traces could be compared with the store");
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public async Task AnyPageAnnouncesARunThatEndsWithALinkToIt()
    {
        IPage page = await host.OpenAsync("system");
        RunRecord run = host.StartTinyRun(2);
        await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));
        var toast = page.Locator(".mud-snackbar", new() { HasTextString = $"Run '{run.Name}' completed" });
        await toast.WaitForAsync();
        await toast.GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();
        await page.WaitForFunctionAsync($"() => location.pathname.endsWith('/runs/{run.Id}')");
    }
}
