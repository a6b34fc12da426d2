using Microsoft.Playwright;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>
/// Every page of the dashboard while a run trains (one prompt change made), each checked for what it must show and photographed.
/// The photographs go to artifacts/screenshots/tour; with PROMPTDFD_DOC_SCREENSHOTS=1 they also replace docs/images/dashboard,
/// which docs/dashboard.md shows.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Browser)]
public sealed class DashboardTourTests : IClassFixture<DashboardHost>
{
    private readonly DashboardHost host;

    public DashboardTourTests(DashboardHost host) => this.host = host;

    [Fact]
    public async Task EveryPageShowsTheLiveRunAndIsPhotographedForTheDocs()
    {
        RunRecord finished = host.StartTinyRun(6, seed: 2);
        await host.Manager.WhenFinished(finished.Id).WaitAsync(TimeSpan.FromSeconds(90));
        RunRecord live = host.StartTinyRun(4000);
        try
        {
            var store = host.Manager.Store;
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (store.Get(live.Id)!.Step < 10 && DateTime.UtcNow < deadline) await Task.Delay(100);
            host.Manager.Steer(live.Id, new SteeringCommand(SteeringAction.Pin, "positive", "The actors were great"));
            while (store.Get(live.Id)!.Step < 25 && DateTime.UtcNow < deadline) await Task.Delay(100);

            (string Path, string Ready, string Name)[] tour =
            [
                ("", "#active-run-note", "overview"),
                ("runs/new", "#run-form", "new-run"),
                ($"runs/{live.Id}", "#chart-accuracy .main-svg", "run-charts"),
                ($"runs/{live.Id}?tab=samples", ".sample-row", "run-samples"),
                ($"runs/{live.Id}?tab=prompts", ".manual-prompt", "run-steering"),
                ($"runs/{live.Id}?tab=events", ".event-row[data-kind=steering]", "run-events"),
                ($"runs?cols=Training.Seed,synthesis/distinct_2", $".run-row[data-run='{live.Id}']", "runs"),
                ($"compare?runs={live.Id},{finished.Id}&metrics=student/accuracy,reward/total", "#compare-parallel-plot .main-svg", "compare"),
                ("playground?prompt=The%20movie%20was&n=4&tokens=8", "#playground-results tbody tr", "playground"),
                ("models", "#register-name", "models-and-data"),
                ("system", "#system-table", "system"),
            ];
            string folder = Directory.CreateDirectory(Path.Combine(DashboardHost.ScreenshotFolder, "tour")).FullName;
            foreach (var (path, ready, name) in tour)
            {
                IPage page = await host.OpenAsync(path, width: 1440);
                try { await page.Locator(ready).First.WaitForAsync(new() { Timeout = 60_000 }); }
                catch (TimeoutException)
                {
                    await DashboardHost.Screenshot(page, $"tour-{name}-timeout");
                    throw;
                }
                Assert.True(store.Get(live.Id)!.IsActive, $"the run is still training while /{path} is shown");
                await page.WaitForTimeoutAsync(150);
                await page.ScreenshotAsync(new PageScreenshotOptions
                {
                    Path = Path.Combine(folder, name + ".jpg"),
                    Type = ScreenshotType.Jpeg,
                    Quality = 70,
                });
                await page.CloseAsync();
            }
            if (Environment.GetEnvironmentVariable("PROMPTDFD_DOC_SCREENSHOTS") == "1")
            {
                string docs = Directory.CreateDirectory(Path.Combine(RepositoryRoot.Find()!, "docs", "images", "dashboard")).FullName;
                foreach (string file in Directory.GetFiles(folder, "*.jpg")) File.Copy(file, Path.Combine(docs, Path.GetFileName(file)), true);
            }
        }
        finally
        {
            if (host.Manager.Store.Get(live.Id)?.IsActive == true) host.Manager.Cancel(live.Id);
            await host.Manager.WhenFinished(live.Id).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}
