using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>
/// A dashboard left open on a run: ten live pages follow one run to its end and close, and what they held (subscriptions,
/// chart and sample buffers, circuits) is released, so a long session does not keep growing (issue #26).
/// </summary>
[Trait(TestCategory.Name, TestCategory.Browser)]
public sealed class DashboardSoakTests : IClassFixture<DashboardHost>
{
    private const int LivePages = 10;
    // What may stay of what the live pages held: a quarter of it, and at least the heap's own noise between two measurements.
    private static long Bound(long held) => Math.Max(2L << 20, held / 4);
    private static readonly string[] Tabs = ["charts", "samples", "prompts", "events"];
    private readonly DashboardHost host;

    public DashboardSoakTests(DashboardHost host) => this.host = host;

    private RunEventHub Hub => host.Services.GetRequiredService<RunEventHub>();

    [Fact]
    public async Task TenLivePagesFollowARunToItsEndAndWhenTheyCloseTheirSubscriptionsAndHeapAreReleased()
    {
        int idle = Hub.SubscriberCount;
        // One page and one run first, so JIT-compiled code, caches and pooled buffers are in the baseline.
        await FollowARun(pages: 1, steps: 6);
        Assert.Equal(idle, await SettledSubscribers(idle));
        long baseline = SettledHeap();

        long whileLive = await FollowARun(LivePages, steps: 40);

        Assert.Equal(idle, await SettledSubscribers(idle));
        long after = SettledHeap();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); after - baseline > Bound(whileLive - baseline) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(500);
            after = SettledHeap();
        }
        string heap = $"the managed heap was {Mb(baseline)} before the pages opened, {Mb(whileLive)} while they were live and " +
            $"{Mb(after)} after they closed";
        // The process is shared with earlier test classes, whose leftovers (a disposed host's last buffers) can still be held
        // when the baseline is taken and go while the pages are open; the lower of the two idle measurements is the floor.
        long floor = Math.Min(baseline, after);
        // Ten pages of a 60-step run held 11.5 MB (13.8 -> 25.3 -> 13.8 MB in one measurement), so the measure sees them.
        Assert.True(whileLive - floor > 2L << 20, $"the live pages should show in the heap: {heap}");
        Assert.True(after - baseline <= Bound(whileLive - floor), $"{heap} (bound: {Mb(baseline + Bound(whileLive - floor))})");
    }

    /// <returns>The managed heap while the pages are open at the end of the run.</returns>
    private async Task<long> FollowARun(int pages, int steps)
    {
        RunRecord run = host.Manager.Submit(TinyRunEnvironment.Config("promptdfd", 1, steps) with { Name = $"soak {Guid.NewGuid():N}"[..20] });
        var open = new List<IPage>();
        try
        {
            for (int i = 0; i < pages; i++) open.Add(await host.OpenAsync($"runs/{run.Id}?tab={Tabs[i % Tabs.Length]}"));
            await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(RunStatus.Completed, host.Manager.Store.Get(run.Id)!.Status);
            foreach (IPage page in open)
                await page.WaitForFunctionAsync($"() => document.querySelector('#run-step')?.textContent.includes('step {steps} / {steps}')");
            return GC.GetTotalMemory(forceFullCollection: true);
        }
        finally
        {
            if (host.Manager.Store.Get(run.Id)?.IsActive == true) host.Manager.Cancel(run.Id);
            // Leaving the page lets Blazor tell the server the circuit is gone, as closing a browser tab does.
            foreach (IPage page in open)
            {
                await page.GotoAsync("about:blank");
                await page.CloseAsync();
            }
        }
    }

    private async Task<int> SettledSubscribers(int expected)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); Hub.SubscriberCount != expected && DateTime.UtcNow < deadline;)
            await Task.Delay(200);
        return Hub.SubscriberCount;
    }

    private static long SettledHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):F1} MB";
}
