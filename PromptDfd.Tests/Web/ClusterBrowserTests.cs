using Microsoft.Playwright;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>The dashboard's own worker, as the System page and a run's header show it (a real Kestrel and chromium).</summary>
[Trait(TestCategory.Name, TestCategory.Browser)]
public sealed class ClusterBrowserTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    [Fact]
    public async Task TheSystemPageListsTheDashboardsWorkerWithTheRunItExecutesAndTheRunNamesItsWorker()
    {
        IPage page = await host.OpenAsync("system");
        var row = page.Locator("#workers-table .worker-row");
        await row.First.WaitForAsync();
        Assert.Equal(1, await row.CountAsync());
        string worker = (await row.GetAttributeAsync("data-worker"))!;
        Assert.Contains("cpu", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Matches(@"^answers in \d+ ms$", (await row.Locator(".worker-health").InnerTextAsync()).Trim());

        RunRecord run = host.StartTinyRun(4000);
        try
        {
            await page.Locator($"#workers-table .worker-row a[href='runs/{run.Id}']").WaitForAsync();
            await page.GotoAsync($"{host.Address}runs/{run.Id}");
            await page.Locator("text=worker " + worker).First.WaitForAsync();
        }
        finally
        {
            host.Manager.Cancel(run.Id);
            await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}
