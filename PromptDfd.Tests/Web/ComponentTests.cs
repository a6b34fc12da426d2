using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Components.Runs;
using PromptDfd.Web.Services;

namespace PromptDfd.Tests.Web;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ComponentTests : IAsyncLifetime
{
    private readonly BunitContext context = new();
    private static readonly TaskSummary Sentiment = new("sentiment", "SST-2", ["negative", "positive"], 10, 2, 2, "", null);
    private static readonly GptConfig Prior = new() { VocabularySize = 8000, ContextLength = 128, Layers = 4, Width = 256, Heads = 4 };

    public ComponentTests()
    {
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
    }

    private IRenderedComponent<RunConfigForm> Form(RunConfig config, List<RunConfig> submitted) =>
        context.Render<RunConfigForm>(p => p
            .Add(f => f.Config, config).Add(f => f.Tasks, [Sentiment]).Add(f => f.PriorConfigOf, _ => Prior)
            .Add(f => f.OnSubmit, (RunConfig c) => submitted.Add(c)));

    // MudButton may finish its click handler after Click() returns when the machine is busy, so the tests wait for the render.
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private static string ProblemsShownBy(IRenderedComponent<RunConfigForm> form) =>
        form.WaitForElement("#form-problems", Settle).TextContent;

    [Fact]
    public void InvalidValuesAreListedWithWhatToChangeAndNothingIsSubmitted()
    {
        var submitted = new List<RunConfig>();
        RunConfig config = RunPresets.Create("promptdfd", "sentiment", 1);
        config = config with
        {
            Training = config.Training with
            {
                Schedule = config.Training.Schedule with { Steps = 0 },
                Content = config.Training.Content with { MaxNewTokens = 200 },
                Reward = config.Training.Reward with { Hardness = -1, PlausibilityTargetKl = -4 },
                Prompter = config.Training.Prompter with { LearningRate = 0 },
                Distillation = config.Training.Distillation with { LearningRate = 0 },
            },
        };
        var form = Form(config, submitted);
        form.Find("#start-run").Click();
        string problems = ProblemsShownBy(form);
        Assert.Contains("Steps must be at least 1 (got 0) (Training.Schedule.Steps)", problems);
        // Two settings with one property name are told apart by their fields' labels.
        Assert.Contains("Prompter lr must be positive (got 0) (Training.Prompter.LearningRate)", problems);
        Assert.Contains("Student lr must be positive (got 0) (Training.Distillation.LearningRate)", problems);
        Assert.Contains("Hardness weight must be non-negative", problems);
        Assert.Contains("KL budget (nats) must be 0 (fixed beta) or a positive KL budget", problems);
        Assert.Empty(submitted);
    }

    [Fact]
    public void PromptAndContentLongerThanThePriorsContextAreRefused()
    {
        var submitted = new List<RunConfig>();
        var form = Form(WithContentTokens(RunPresets.Create("promptdfd", "sentiment", 1), 125), submitted);
        form.Find("#start-run").Click();
        Assert.Contains("exceed the prior's context of 128", ProblemsShownBy(form));
        Assert.Empty(submitted);
    }

    [Fact]
    public void AValidFormSubmitsTheTypedConfigWithTopicPromptsAndTags()
    {
        var submitted = new List<RunConfig>();
        var form = Form(RunPresets.Create("promptdfd", "sentiment", 1), submitted);
        form.Find("#seed").Change("42");
        form.Find("#steps").Change("50");
        form.Find("#run-tags").Change("paper, quick");
        form.Find("textarea[data-class=positive]").Change("I loved it\n\nGreat film");
        form.Find("#kl-budget").Change("12");
        form.Find("#start-run").Click();
        form.WaitForAssertion(() => Assert.Single(submitted), Settle);
        RunConfig config = Assert.Single(submitted);
        Assert.Equal(42, config.Training.Seed);
        Assert.Equal(50, config.Training.Schedule.Steps);
        Assert.Equal(["paper", "quick"], config.Tags);
        Assert.Equal(12, config.Training.Reward.PlausibilityTargetKl);
        Assert.Equal(["I loved it", "Great film"], config.Training.TopicPrompts["positive"]);
        Assert.False(config.Training.TopicPrompts.ContainsKey("negative"));
    }

    [Fact]
    public void TheChosenPriorTeacherAndStudentStartAreSubmittedAndLengthsAreCheckedAgainstThatPriorsContext()
    {
        var submitted = new List<RunConfig>();
        RunConfig config = WithContentTokens(RunPresets.Create("promptdfd", "sentiment", 1) with
        {
            PriorFolder = "models/hf/gpt2",
            TeacherFolder = "models/hf/bert-sst2",
            StudentBodyFolder = "models/student-lm",
        }, 125);
        var form = context.Render<RunConfigForm>(p => p
            .Add(f => f.Config, config).Add(f => f.Tasks, [Sentiment])
            .Add(f => f.PriorConfigOf, folder => folder == "models/hf/gpt2" ? Prior with { ContextLength = 1024 } : Prior)
            .Add(f => f.PriorChoices, ["models/prior", "models/hf/gpt2"]).Add(f => f.TeacherChoices, ["models/hf/bert-sst2"])
            .Add(f => f.OnSubmit, (RunConfig c) => submitted.Add(c)));

        form.Find("#start-run").Click();

        form.WaitForAssertion(() => Assert.Single(submitted), Settle);
        Assert.Equal("models/hf/gpt2", submitted[0].PriorFolder);
        Assert.Equal("models/hf/bert-sst2", submitted[0].TeacherFolder);
        Assert.Equal("models/student-lm", submitted[0].StudentBodyFolder);
        Assert.Equal("models/student-lm", form.FindComponents<MudBlazor.MudSelect<string>>()
            .Single(s => s.Instance.Label == "Student starts from").Find("input").GetAttribute("value"));
        form.Render(p => p.Add(f => f.Config, config with { PriorFolder = "models/prior" }));
        form.Find("#start-run").Click();
        Assert.Contains("exceed the prior's context of 128", ProblemsShownBy(form));
        Assert.Single(submitted);
    }

    [Fact]
    public void ChoosingAPresetChangesTheMethodAndItsSwitchesOnly()
    {
        RunConfig config = RunPresets.Create("promptdfd", "sentiment", 7);
        config = config with { Training = config.Training with { Schedule = config.Training.Schedule with { Steps = 77 } } };
        config = PresetSwitch.To(config, "promptdfd-no-rl");
        Assert.Equal(0, config.Training.Schedule.PrompterUpdates);
        Assert.Equal(0, config.Training.Prompter.WarmStartSteps);
        Assert.Equal(77, config.Training.Schedule.Steps);
        Assert.Equal(7, config.Training.Seed);
        config = PresetSwitch.To(config, "promptdfd");
        Assert.Equal(new Engine.Method.PrompterConfig().WarmStartSteps, config.Training.Prompter.WarmStartSteps);
        config = PresetSwitch.To(config, "as-dfd");
        Assert.Equal(1, config.Training.Schedule.PrompterUpdates);
        Assert.Equal("as-dfd", config.Preset);
        Assert.Equal(Engine.Method.SynthesisMethod.AsDfd, config.Training.Method);
    }

    [Fact]
    public void LeavingTheRobustPresetResetsItsRewardSwitchesButKeepsEditedWeights()
    {
        RunConfig config = PresetSwitch.To(RunPresets.Create("promptdfd", "sentiment", 1), "promptdfd-robust");
        config = config with { Training = config.Training with { Reward = config.Training.Reward with { Diversity = 0.7 } } };

        config = PresetSwitch.To(config, "promptdfd");

        var defaults = new Engine.Method.RewardConfig();
        Assert.Equal(defaults.RelevanceOn, config.Training.Reward.RelevanceOn);
        Assert.Equal(defaults.PlausibilityTargetKl, config.Training.Reward.PlausibilityTargetKl);
        Assert.Equal(new Engine.Method.PrompterConfig().VariableLength, config.Training.Prompter.VariableLength);
        Assert.Equal(0.7, config.Training.Reward.Diversity);
    }

    [Fact]
    public void SamplesAreShownAsTextWithThePromptHighlightedApartFromTheContent()
    {
        var table = context.Render<SampleTable>(p => p.Add(t => t.Items,
        [
            new SampleRecord { Step = 3, Class = "positive", Prompt = "<b>I loved</b>", Content = " it <script>alert(1)</script>",
                TeacherLabel = "positive", TeacherConfidence = 0.93, StudentLabel = "negative", Origin = "Policy" },
        ]));
        Assert.Equal("<b>I loved</b>", table.Find(".prompt").TextContent);
        Assert.Contains("<script>", table.Find(".content").TextContent);
        Assert.Empty(table.FindAll("script"));
        Assert.Empty(table.FindAll(".sample-text b"));
        Assert.Contains("mismatch", table.Find("td:last-child span").ClassName);
    }

    [Fact]
    public void ConfigDiffShowsOnlyDifferingKeysUntilAskedForAll()
    {
        var a = new Dictionary<string, string> { ["Training.Seed"] = "1", ["Training.Method"] = "PromptDfd", ["Task"] = "sentiment" };
        var b = new Dictionary<string, string>
        {
            ["Training.Seed"] = "2",
            ["Training.Method"] = "PromptDfd",
            ["Task"] = "sentiment",
            ["Extra"] = "x"
        };
        var diff = context.Render<ConfigDiff>(p => p.Add(d => d.Runs, [new ConfigDiff.Column("a", a), new ConfigDiff.Column("b", b)]));
        var keys = diff.FindAll("tbody tr td:first-child").Select(td => td.TextContent).ToList();
        Assert.Equal(["Extra", "Training.Seed"], keys);
        diff.Render(p => p.Add(d => d.OnlyDifferences, false));
        Assert.Equal(4, diff.FindAll("tbody tr").Count);
        Assert.Equal(2, diff.FindAll("tbody tr.differs").Count);
    }

    [Fact]
    public void ConfigDiffOfIdenticalConfigsSaysSoInsteadOfAnEmptyTable()
    {
        var same = new Dictionary<string, string> { ["Training.Seed"] = "1", ["Task"] = "sentiment" };
        var diff = context.Render<ConfigDiff>(p => p.Add(d => d.Runs, [new ConfigDiff.Column("a", same),
            new ConfigDiff.Column("b", same)]));
        Assert.Contains("No differences", diff.Find("tbody tr.no-differences").TextContent);
        diff.Render(p => p.Add(d => d.OnlyDifferences, false));
        Assert.Empty(diff.FindAll("tbody tr.no-differences"));
        Assert.Equal(2, diff.FindAll("tbody tr.same").Count);
    }

    [Fact]
    public void RunsWithTheSameNameAreToldApartByIdAndOthersKeepTheirName()
    {
        RunRecord Run(string id, string name) => new() { Id = id, Name = name };
        var labels = RunLabels.Distinct([Run("20261202-1", "promptdfd · sentiment · seed 1"),
            Run("20261202-2", "promptdfd · sentiment · seed 1"), Run("20261202-3", "other")]);
        Assert.Equal("promptdfd · sentiment · seed 1 · 20261202-1", labels["20261202-1"]);
        Assert.Equal("promptdfd · sentiment · seed 1 · 20261202-2", labels["20261202-2"]);
        Assert.Equal("other", labels["20261202-3"]);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are only async-disposable.
    public async Task DisposeAsync() => await context.DisposeAsync();

    private static RunConfig WithContentTokens(RunConfig config, int tokens) =>
        config with { Training = config.Training with { Content = config.Training.Content with { MaxNewTokens = tokens } } };
}
