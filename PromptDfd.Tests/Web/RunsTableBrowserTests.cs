using Microsoft.Playwright;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>End to end on the Runs table and a run's sample stream and config: a real Kestrel, Debian's chromium, the real LiteDB
/// file and tiny models.</summary>
[Trait(TestCategory.Name, TestCategory.Browser)]
public sealed class RunsTableBrowserTests : IClassFixture<DashboardHost>
{
    private readonly DashboardHost host;

    public RunsTableBrowserTests(DashboardHost host) => this.host = host;

    private RunRecord StartTinyRun(int steps) => host.StartTinyRun(steps);

    private static Task SetField(IPage page, string label, string value) => DashboardHost.SetField(page, label, value);

    [Fact]
    public async Task TheSampleStreamFiltersByTeacherLabelAndByDisagreementApartFromTheIntendedClass()
    {
        RunRecord run = StartTinyRun(6);
        await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));
        var samples = host.Manager.Store.Samples(run.Id, new SampleQuery { Take = 10_000 }).Items;
        string label = samples.GroupBy(s => s.TeacherLabel).MaxBy(g => g.Count())!.Key;

        IPage page = await host.OpenAsync($"runs/{run.Id}?tab=samples&teacher={label}");
        await page.Locator(".sample-row").First.WaitForAsync();
        Assert.All(await page.Locator(".sample-row td:nth-child(4) span:first-child").AllInnerTextsAsync(),
            text => Assert.EndsWith(label, text));
        Assert.Contains($"{samples.Count(s => s.TeacherLabel == label)} samples match", await page.InnerTextAsync("body"));

        await page.GotoAsync($"{host.Address}runs/{run.Id}?tab=samples&disagree=intended");
        int missed = samples.Count(s => s.Class.Length > 0 && s.Class != s.TeacherLabel);
        Assert.InRange(missed, 1, samples.Count - 1); // the tiny teacher misses some classes and not others: the filter has work
        await page.GetByText($"{missed} samples match").WaitForAsync();
        // The cue is a sign as well as a colour.
        Assert.All(await page.Locator(".sample-row td:nth-child(4) span:first-child").AllInnerTextsAsync(), text => Assert.StartsWith("≠", text));
        Assert.Contains("≠ the teacher reads another class", await page.Locator(".sample-legend").InnerTextAsync());
    }

    [Fact]
    public async Task ARunIsRenamedFromItsConfigTabAndTheRunsTableShowsTheNewName()
    {
        RunRecord run = StartTinyRun(2);
        await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));
        string name = $"renamed {Guid.NewGuid():N}"[..16];

        IPage page = await host.OpenAsync($"runs/{run.Id}?tab=config");
        await SetField(page, "Run name", name);
        await page.ClickAsync("#save-annotations");
        await page.GetByText("Saved the name, tags and notes.").WaitForAsync();
        Assert.Equal(name, host.Manager.Store.Get(run.Id)!.Name);

        await page.GotoAsync($"{host.Address}runs?q={name}");
        Assert.Equal(name, await page.Locator($".run-row[data-run='{run.Id}'] .run-link").InnerTextAsync());
    }

    [Fact]
    public async Task AnEmptyRunsTableSaysWhyAnUnknownConfigKeyOrAPagePastTheLast()
    {
        RunRecord run = StartTinyRun(2);
        await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));

        IPage page = await host.OpenAsync("runs?config=Training.Sede=1");
        string unknownKey = await page.Locator("#runs-empty").InnerTextAsync();
        Assert.Contains("No runs match these filters", unknownKey);
        Assert.Contains("No run has a config key 'Training.Sede'", unknownKey);

        await page.GotoAsync($"{host.Address}runs?page=999");
        await page.Locator("#runs-empty", new() { HasText = "Page 999 is past the last page" }).WaitForAsync();
        Assert.Equal(0, await page.Locator(".run-row").CountAsync());

        await page.GotoAsync($"{host.Address}runs?config=Training.Seed=1");
        await page.Locator(".run-row").First.WaitForAsync();
        Assert.Equal(0, await page.Locator("#runs-empty").CountAsync());
        Assert.StartsWith("Star ", await page.Locator(".run-row button").First.GetAttributeAsync("aria-label")
            ?? await page.Locator(".run-row [aria-label]").First.GetAttributeAsync("aria-label"));
    }

    // The link changes before the table has rendered the new order, so the arrow is waited for.
    private static Task WaitForSeedArrow(IPage page, string arrow) => page.WaitForFunctionAsync(
        "arrow => [...document.querySelectorAll('.sort-header')].some(h => h.textContent.includes('seed') && h.textContent.includes(arrow))",
        arrow);

    [Fact]
    public async Task ASecondClickOnAColumnSortsItAscendingAndTheLinkKeepsThatOrder()
    {
        IPage page = await host.OpenAsync("runs");
        var seedHeader = page.Locator(".sort-header", new() { HasTextString = "seed" });
        await seedHeader.ClickAsync();
        await page.WaitForFunctionAsync("() => location.search.includes('sort=Seed') && location.search.includes('desc=true')");
        await WaitForSeedArrow(page, "↓");
        await seedHeader.ClickAsync();
        await page.WaitForFunctionAsync("() => location.search.includes('desc=false')");
        await page.ReloadAsync();
        await WaitForSeedArrow(page, "↑");
    }

    [Fact]
    public async Task ChosenColumnsShowAnyConfigKeyAndAMetricsLastValueAndStayInTheLink()
    {
        RunRecord run = StartTinyRun(3);
        await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));
        IPage page = await host.OpenAsync($"runs?q={run.Id}&cols=Training.Distillation.BatchSize");
        var row = page.Locator($".run-row[data-run='{run.Id}']");
        Assert.Equal("8", await row.Locator(".extra-cell[data-column='Training.Distillation.BatchSize']").InnerTextAsync());

        await page.Locator("#extra-columns").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "synthesis/distinct_2" }).First.ClickAsync();
        await page.WaitForFunctionAsync("() => decodeURIComponent(location.search).includes('synthesis/distinct_2')");
        await page.Keyboard.PressAsync("Escape");
        double expected = host.Manager.Store.Metrics(run.Id, "synthesis/distinct_2")[^1].Value;
        string shown = await row.Locator(".extra-cell[data-column='synthesis/distinct_2']").InnerTextAsync();
        Assert.Equal(expected.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), shown);
    }
}
