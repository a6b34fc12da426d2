using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>
/// Every page scanned by axe-core (WCAG 2 A and AA rules) in Debian's chromium, at a desktop's width and a phone's: no serious or
/// critical violation, and at 390 px nothing wider than the window.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Browser)]
public sealed class AccessibilityBrowserTests : IClassFixture<DashboardHost>
{
    private readonly DashboardHost host;

    public AccessibilityBrowserTests(DashboardHost host) => this.host = host;

    [Fact]
    public async Task EveryPagePassesAnAccessibilityScanWithoutSeriousViolationsOnADesktopAndAPhone()
    {
        RunRecord first = host.StartTinyRun(6);
        RunRecord second = host.StartTinyRun(6, seed: 2);
        await host.Manager.WhenFinished(first.Id).WaitAsync(TimeSpan.FromSeconds(90));
        await host.Manager.WhenFinished(second.Id).WaitAsync(TimeSpan.FromSeconds(90));
        string[] paths =
        [
            "", "runs", $"runs/{first.Id}", $"runs/{first.Id}?tab=samples", $"runs/{first.Id}?tab=prompts", $"runs/{first.Id}?tab=config",
            "runs/new", $"compare?runs={first.Id},{second.Id}", "playground", "models", "system",
        ];
        var problems = new List<string>();
        var options = new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } };
        foreach (string path in paths)
        {
            IPage page = await host.OpenAsync(path, width: 1440);
            foreach (int width in new[] { 1440, 390 })
            {
                if (width != 1440)
                {
                    await page.SetViewportSizeAsync(width, 1000);
                    await page.WaitForTimeoutAsync(300);
                }
                AxeResult result = await page.RunAxe(options);
                problems.AddRange(result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v =>
                    $"/{path} at {width} px: {v.Id} ({v.Impact}): {v.Help}; e.g. {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}"));
                if (width >= 600) continue;
                int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
                if (overflow > 1) problems.Add($"/{path} at {width} px: the page is {overflow} px wider than the window");
                await DashboardHost.Screenshot(page, "narrow-" + ScreenshotName(path, first.Id));
            }
            await page.CloseAsync();
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static string ScreenshotName(string path, string runId) => path.Length == 0 ? "overview"
        : path.StartsWith($"runs/{runId}", StringComparison.Ordinal) ? "run" + (path.Contains("tab=") ? "-" + path[(path.IndexOf("tab=") + 4)..] : "")
        : path.Split('?')[0].Replace('/', '-');
}
