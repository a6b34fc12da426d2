using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>End to end: a real Kestrel server, Debian's chromium, the real LiteDB file and real (tiny) models.</summary>
[Trait(TestCategory.Name, TestCategory.Browser)]
public sealed class BrowserTests : IClassFixture<DashboardHost>
{
    private readonly DashboardHost host;

    public BrowserTests(DashboardHost host) => this.host = host;

    private static Task SetField(IPage page, string label, string value) => DashboardHost.SetField(page, label, value);

    [Fact]
    public async Task ATinyRunLaunchedFromTheFormStreamsSamplesAndChartPoints()
    {
        IPage page = await host.OpenAsync("runs/new?task=tiny");
        await SetField(page, "Steps", "20000");
        await SetField(page, "Samples per step", "8");
        await SetField(page, "Prompt tokens K", "3");
        await SetField(page, "Content tokens", "8");
        await SetField(page, "Evaluate every", "5");
        // The tiny workspace's student body (models/student-body, where runs start their student) has the tiny student's shape.
        await SetField(page, "Student layers", "1");
        await SetField(page, "Student width", "16");
        await SetField(page, "Student heads", "2");
        await DashboardHost.Screenshot(page, "new-run");
        await page.ClickAsync("#start-run");
        try
        {
            // Blazor navigates inside the page (history API), so there is no load event to wait for.
            await page.WaitForFunctionAsync("() => /\\/runs\\/[0-9]{8}-/.test(location.pathname)");
        }
        catch (TimeoutException)
        {
            await DashboardHost.Screenshot(page, "new-run-failed");
            throw;
        }
        string runId = page.Url.Split('/').Last().Split('?')[0];

        // Points arrive by appending: the accuracy chart's point count grows while the page stays open.
        await page.WaitForFunctionAsync("() => Number(document.querySelector('.chart-panel')?.dataset.points ?? 0) > 3");
        await page.WaitForSelectorAsync("#chart-accuracy .main-svg");
        await DashboardHost.Screenshot(page, "run-charts");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Samples" }).ClickAsync();
        await page.WaitForSelectorAsync(".sample-row");
        Assert.Contains("tab=samples", page.Url);
        await DashboardHost.Screenshot(page, "run-samples");

        host.Manager.Cancel(runId);
        var finished = await host.Manager.WhenFinished(runId).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(RunStatus.Cancelled, finished.Status);
    }

    [Fact]
    public async Task TheOverviewsStartButtonExplainsWhyTheDefaultRunCannotStartAndStoresNothing()
    {
        // The tiny prior's context (32 tokens) cannot hold the default run's prompt and content; the shipped one can
        // (DashboardServerTests starts it).
        int before = host.Manager.Store.Query(new RunQuery { Take = 1 }).Total;
        IPage page = await host.OpenAsync("");
        // Without a sentiment task the first readable task is the default (other tests here register more tasks).
        string task = host.Services.GetRequiredService<PromptDfd.Web.Services.ShippedAssets>().DefaultTask()!;
        Assert.Contains($"default {task} run", await page.Locator("#quick-start").TextContentAsync());
        await page.ClickAsync("#quick-start");
        var error = page.Locator("#quick-start-error");
        await error.WaitForAsync();
        Assert.Contains("exceed the prior's context of 32", await error.TextContentAsync());
        Assert.Equal("/", new Uri(page.Url).AbsolutePath);
        Assert.Equal(before, host.Manager.Store.Query(new RunQuery { Take = 1 }).Total);
    }

    [Fact]
    public async Task AMistypedAddressSaysThereIsNothingThereWithLinksOnward()
    {
        IPage page = await host.OpenAsync("rnus");
        Assert.Contains("There is no page at this address", await page.Locator("#not-found").InnerTextAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = "Runs", Exact = true }).Last.ClickAsync();
        await page.WaitForFunctionAsync("() => location.pathname.endsWith('/runs')");
    }

    [Fact]
    public async Task ANewRunLinkNamingAnUnknownTaskSaysSoAndOffersTheTasksThatExist()
    {
        IPage page = await host.OpenAsync("runs/new?task=nosuch&preset=promptdfd");
        string error = await page.Locator("#new-run-load-error").InnerTextAsync();
        Assert.Contains("There is no task 'nosuch' here", error);
        Assert.Contains(TinyRunEnvironment.TaskName, error);
    }

    private RunRecord StartTinyRun(int steps, long seed = 1, string preset = "promptdfd") => host.StartTinyRun(steps, seed, preset);

    /// <summary>A failed assertion must not leave a long run holding the one training thread for the tests after it.</summary>
    private void CancelIfStillActive(string runId)
    {
        if (host.Manager.Store.Get(runId)?.IsActive == true) host.Manager.Cancel(runId);
    }

    private async Task WaitForStep(string runId, int step)
    {
        var store = host.Manager.Store;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (store.Get(runId)!.Step < step && DateTime.UtcNow < deadline) await Task.Delay(50);
    }

    [Fact]
    public async Task PinningAPromptMidRunShowsUpInTheEventLogAndTheManualPool()
    {
        RunRecord run = StartTinyRun(4000);
        try
        {
            await WaitForStep(run.Id, 1);
            IPage page = await host.OpenAsync($"runs/{run.Id}?tab=prompts");
            var positive = page.Locator(".steer-class[data-class=positive]");
            await positive.Locator(".steer-input input").FillAsync("The actors were great");
            // Paused, the run cannot apply the change yet: the click is answered at once as pending, and the prompt joins the pool
            // when the run applies it at its next step.
            host.Manager.Pause(run.Id);
            await page.Locator("#resume-run").WaitForAsync();
            await positive.Locator(".steer-pin").ClickAsync();
            await positive.Locator(".pending-prompt", new() { HasText = "The actors were great" }).WaitForAsync();
            Assert.Equal(0, await positive.Locator(".manual-prompt").CountAsync());
            host.Manager.Resume(run.Id);
            await positive.Locator(".manual-prompt", new() { HasText = "The actors were great" }).WaitForAsync();
            await positive.Locator(".pending-prompt").WaitForAsync(new() { State = WaitForSelectorState.Detached });
            await positive.Locator(".steer-input input").FillAsync("Boring Sequel");
            await positive.Locator(".steer-ban").ClickAsync();
            var banned = positive.Locator(".banned-prompt", new() { HasText = "Boring Sequel" });
            await banned.WaitForAsync();
            await DashboardHost.Screenshot(page, "run-steering");
            await banned.GetByRole(AriaRole.Button, new() { Name = "Un-ban 'Boring Sequel'" }).ClickAsync();
            await banned.WaitForAsync(new() { State = WaitForSelectorState.Detached });

            await page.GetByRole(AriaRole.Tab, new() { Name = "Events" }).ClickAsync();
            var row = page.Locator(".event-row[data-kind=steering]", new() { HasText = "The actors were great" });
            await row.WaitForAsync();
            Assert.Contains("pin [positive]", await row.InnerTextAsync());
            await DashboardHost.Screenshot(page, "run-events");

            // On the charts, changes at one step are one marker, whose hover lists them.
            await page.GetByRole(AriaRole.Tab, new() { Name = "Charts" }).ClickAsync();
            await page.WaitForSelectorAsync("#chart-accuracy .main-svg");
            string hover = await page.EvaluateAsync<string>(
                "() => document.getElementById('chart-accuracy').data.find(t => t.name === 'prompt changes').hovertext.join(' | ')");
            Assert.Contains("pin [positive] \"The actors were great\"", hover);
            int steps = host.Manager.Store.Events(run.Id, RunEventKinds.Steering).Select(e => e.Step).Distinct().Count();
            Assert.Equal(steps, await page.EvaluateAsync<int>("() => document.getElementById('chart-accuracy').layout.shapes.length"));

            // An absurd prompt is refused with a reason, and nothing is recorded.
            await page.GetByRole(AriaRole.Tab, new() { Name = "Prompts & steering" }).ClickAsync();
            await positive.Locator(".steer-input input").FillAsync(new string('x', 300));
            await positive.Locator(".steer-add").ClickAsync();
            await page.Locator(".mud-snackbar", new() { HasText = "at most 200" }).WaitForAsync();
            host.Manager.Cancel(run.Id);
            await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(3, host.Manager.Store.Events(run.Id, RunEventKinds.Steering).Count);
        }
        finally
        {
            CancelIfStillActive(run.Id);
        }
    }

    [Fact]
    public async Task ReloadingMidRunKeepsTheTabAndFilters()
    {
        RunRecord run = StartTinyRun(4000);
        try
        {
            await WaitForStep(run.Id, 2);
            IPage page = await host.OpenAsync($"runs/{run.Id}");
            await page.GetByRole(AriaRole.Tab, new() { Name = "Samples" }).ClickAsync();
            await page.GetByLabel("Search text").FillAsync("a");
            await page.GetByLabel("Search text").PressAsync("Tab");
            await page.WaitForFunctionAsync("() => location.search.includes('search=a')");
            string before = page.Url;

            await page.ReloadAsync();
            await page.WaitForSelectorAsync("#circuit-state[data-interactive=yes]", new() { State = WaitForSelectorState.Attached });
            Assert.Equal(before, page.Url);
            Assert.Equal("true", await page.GetByRole(AriaRole.Tab, new() { Name = "Samples" }).GetAttributeAsync("aria-selected"));
            Assert.Equal("a", await page.GetByLabel("Search text").InputValueAsync());
            Assert.True(host.Manager.Store.Get(run.Id)!.IsActive, "reloading a page never affects the run");
            host.Manager.Cancel(run.Id);
            await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            CancelIfStillActive(run.Id);
        }
    }

    [Fact]
    public async Task RunsCompareSideBySideGroupedByAConfigKeyWithSeveralMetricsAndTheirSettingsAgainstResults()
    {
        RunRecord first = StartTinyRun(6, seed: 1);
        RunRecord second = StartTinyRun(6, seed: 2, preset: "fixed-prompts");
        RunRecord third = StartTinyRun(6, seed: 2);
        foreach (RunRecord run in new[] { first, second, third })
            await host.Manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));

        IPage page = await host.OpenAsync("runs");
        await page.Locator($".run-row[data-run='{first.Id}'] .select-run input").CheckAsync();
        await page.Locator($".run-row[data-run='{second.Id}'] .select-run input").CheckAsync();
        await DashboardHost.Screenshot(page, "runs");
        await page.ClickAsync("#compare-selected");
        await page.WaitForFunctionAsync("() => location.pathname.endsWith('/compare') && location.search.includes('runs=')");
        await page.WaitForSelectorAsync("#compare-chart-student-accuracy .main-svg");
        string diff = await page.Locator(".config-diff").InnerTextAsync();
        Assert.Contains("Training.Method", diff);
        Assert.Contains("Training.Seed", diff);
        Assert.DoesNotContain("Training.Distillation.Temperature", diff);
        Assert.Contains("student/accuracy", await page.Locator("#final-metrics").InnerTextAsync());
        Assert.Equal(2, await page.Locator(".steering-history .no-steering").CountAsync());

        // Three runs, two metrics, grouped by method: each group is a mean line with a band; the link holds the view.
        await page.GotoAsync($"{host.Address}compare?runs={first.Id},{second.Id},{third.Id}&metrics=student/accuracy,student/kd_loss" +
            "&group=Training.Method");
        await page.WaitForSelectorAsync("#compare-chart-student-kd-loss .main-svg");
        string names = await page.EvaluateAsync<string>(
            "() => document.getElementById('compare-chart-student-accuracy').data.map(t => t.name).join(' | ')");
        Assert.Contains("Method=PromptDfd (n=2)", names);
        Assert.Contains("Method=PromptDfd (n=2) − sd", names);
        Assert.Contains("Method=FixedPrompts (n=1)", names);
        Assert.True(int.Parse(await page.GetAttributeAsync("#compare-parallel", "data-axes") ?? "0") >= 3, "method, seed and accuracy");
        await page.WaitForSelectorAsync("#compare-parallel-plot .main-svg");
        await DashboardHost.Screenshot(page, "compare");
    }

    [Theory]
    [InlineData("", "overview")]
    [InlineData("runs/new", "new-run-defaults")]
    [InlineData("playground", "playground")]
    [InlineData("models", "models-and-data")]
    [InlineData("system", "system")]
    [InlineData("Error", "server-error")]
    // Hand-edited or truncated links: a value that does not parse is ignored, never a server error.
    [InlineData("runs?min=abc&page=x&desc=maybe&starred=2", "runs-malformed-link")]
    [InlineData("runs/no-such-run?step=x&spage=y", "run-malformed-link")]
    [InlineData("compare?runs=a,b&step=x", "compare-malformed-link")]
    [InlineData("playground?n=lots&seed=x&temperature=hot", "playground-malformed-link")]
    public async Task EveryPageRendersWithoutErrors(string path, string name)
    {
        var consoleErrors = new List<string>();
        IPage page = await host.OpenAsync(path, consoleErrors);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.False(await page.Locator("#blazor-error-ui").IsVisibleAsync(), "the page raised an unhandled error");
        Assert.Empty(consoleErrors);
        await DashboardHost.Screenshot(page, name);
    }

    [Fact]
    public async Task ABadUploadShowsWhatIsWrongAndAGoodOneBecomesATaskWhoseTeacherTrainsWithLiveProgress()
    {
        string folder = Path.Combine(host.Environment.Root, "uploads");
        Directory.CreateDirectory(folder);
        string oneClass = Path.Combine(folder, "one-class.csv");
        File.WriteAllText(oneClass, "text,label\nGood film,positive\nGreat acting,positive\n");
        string good = Path.Combine(folder, "reviews.csv");
        File.WriteAllLines(good, new[] { "text,label" }.Concat(Enumerable.Range(0, 240).Select(i => i % 2 == 0
            ? $"The film number {i} was wonderful,positive" : $"The food number {i} was terrible,negative")));

        IPage page = await host.OpenAsync("models");
        await page.SetInputFilesAsync("#register-file", good);
        Assert.Contains("Give the task a name first", await page.Locator("#register-error").InnerTextAsync());
        await page.GetByLabel("Task name").FillAsync("badtask");
        await page.GetByLabel("Task name").PressAsync("Tab");
        await page.SetInputFilesAsync("#register-file", oneClass);
        await page.Locator("#register-error", new() { HasText = "only one class" }).WaitForAsync();

        await page.GetByLabel("Task name").FillAsync("reviews");
        await page.GetByLabel("Task name").PressAsync("Tab");
        await page.SetInputFilesAsync("#register-file", good);
        Assert.Contains("Registered 'reviews'", await page.Locator("#register-ok").InnerTextAsync());

        await page.GetByLabel("Auxiliary LM loss").FillAsync("0.5");
        await page.GetByLabel("Auxiliary LM loss").PressAsync("Tab");
        await page.GetByLabel("Freeze token embeddings").CheckAsync();
        await page.GetByLabel("Layer-wise LR decay").FillAsync("0.8");
        await page.GetByLabel("Layer-wise LR decay").PressAsync("Tab");
        await page.GetByLabel("Restarts").FillAsync("2");
        await page.GetByLabel("Restarts").PressAsync("Tab");
        await page.ClickAsync("#train-teacher");
        await page.Locator("#teacher-log", new() { HasText = "saved teacher" }).WaitForAsync(new() { Timeout = 120_000 });
        // A task without prompts gets them from its new teacher, shown in the log and written where the user can edit them.
        await page.Locator("#teacher-log", new() { HasText = "topic prompts mined from the teacher" }).WaitForAsync(new() { Timeout = 60_000 });
        string prompts = File.ReadAllText(Path.Combine(host.Environment.Root, "workspace", "tasks", "reviews", "prompts.json"));
        Assert.Contains("\"positive\"", prompts);
        Assert.Contains("\"negative\"", prompts);
        await DashboardHost.Screenshot(page, "models-and-data-teacher");
        // A user's task and its teacher live in the workspace, apart from the shipped ones.
        Assert.True(File.Exists(Path.Combine(host.Environment.Root, "workspace", "tasks", "reviews", "train.jsonl")));
        string teacher = Path.Combine(host.Environment.Root, "workspace", "teachers", "reviews");
        Assert.True(File.Exists(Path.Combine(teacher, "model.safetensors")));
        string card = File.ReadAllText(Path.Combine(teacher, "card.md"));
        Assert.Contains("auxiliary LM loss x 0.5", card);
        Assert.Contains("token embeddings frozen", card);
        Assert.Contains("layer-wise learning-rate decay 0.8", card);
        Assert.Contains("best dev of 2 restarts", card);

        // Training again would replace the teacher just made; that has to be asked for.
        byte[] weights = File.ReadAllBytes(Path.Combine(teacher, "model.safetensors"));
        await page.ClickAsync("#train-teacher");
        Assert.Contains("'reviews' already has a teacher", await page.Locator("#train-error").InnerTextAsync());
        Assert.True(await page.Locator("#teacher-replace").IsVisibleAsync());
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(teacher, "model.safetensors")));

        // Asked for, it may also search recipes: the candidates are trained in turn, judged on dev, and listed in the card.
        await page.GetByLabel("Replace its teacher").CheckAsync();
        await page.GetByLabel("Restarts").FillAsync("1");
        await page.GetByLabel("Restarts").PressAsync("Tab");
        await page.GetByLabel("Search recipes (best on dev kept)").CheckAsync();
        await SetField(page, "Search minutes", "20");
        await page.ClickAsync("#train-teacher");
        await page.Locator("#teacher-log", new() { HasText = "recipe search on dev:" }).WaitForAsync(new() { Timeout = 180_000 });
        await page.Locator("#teacher-log", new() { HasText = "saved teacher" }).WaitForAsync(new() { Timeout = 60_000 });
        string searched = File.ReadAllText(Path.Combine(teacher, "card.md"));
        Assert.Contains("## Recipe search", searched);
        Assert.Contains("| pooling mean", searched);
        Assert.Contains("| no language-model loss", searched);
    }

    /// <summary>Fills the playground's form (8 new tokens: the tiny prior's context is 32) and waits for the samples.</summary>
    private static async Task GeneratePlaygroundSamples(IPage page, string prompt, int count, long seed = 1)
    {
        await page.GetByLabel("Topic prompt").FillAsync(prompt);
        await SetField(page, "N", count.ToString());
        await SetField(page, "Tokens", "8");
        await SetField(page, "Seed", seed.ToString());
        await page.ClickAsync("#playground-generate");
        await page.Locator("#playground-results tbody tr").Nth(count - 1).WaitForAsync();
    }

    [Fact]
    public async Task ThePlaygroundLabelsGeneratedSamplesAndRefusesAnAbsurdPrompt()
    {
        IPage page = await host.OpenAsync("playground");
        await GeneratePlaygroundSamples(page, "The movie was", count: 4);
        Assert.Equal(4, await page.Locator("#playground-results tbody tr").CountAsync());
        Assert.Contains("The movie was", await page.Locator("#playground-results .prompt").First.InnerTextAsync());
        await DashboardHost.Screenshot(page, "playground-results");

        await page.GetByLabel("Topic prompt").FillAsync(string.Join(' ', Enumerable.Repeat("word", 60)));
        await page.GetByLabel("Topic prompt").PressAsync("Tab");
        await page.ClickAsync("#playground-generate");
        string error = await page.Locator("#playground-error").InnerTextAsync();
        Assert.True(error.Contains("tokens long") || error.Contains("characters"), error);
    }

    [Fact]
    public async Task APlaygroundLinkOpensTheSameFormAndTheSameSamples()
    {
        IPage page = await host.OpenAsync("playground");
        await GeneratePlaygroundSamples(page, "The food was", count: 3, seed: 7);
        string link = page.Url;
        Assert.Contains("prompt=The%20food%20was", link);
        Assert.Contains("seed=7", link);
        var samples = await page.Locator("#playground-results tbody tr").AllInnerTextsAsync();

        IPage linked = await host.OpenAsync(link[host.Address.ToString().Length..]);
        await linked.Locator("#playground-results tbody tr").Nth(2).WaitForAsync();
        Assert.Equal("The food was", await linked.GetByLabel("Topic prompt").InputValueAsync());
        Assert.Equal(samples, await linked.Locator("#playground-results tbody tr").AllInnerTextsAsync());
    }
}
