using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Runs;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class ConfigOverridesTests
{
    [Fact]
    public void OverridesReachNestedKeysCaseInsensitivelyAndKeepTheRest()
    {
        RunConfig config = ConfigOverrides.Apply(RunPresets.Create("promptdfd", "sentiment", 7),
            ["training.schedule.steps=50", "Training.Reward.Hardness=0", "Training.Method=FixedPrompts", "Name=my run"]);
        Assert.Equal(50, config.Training.Schedule.Steps);
        Assert.Equal(0, config.Training.Reward.Hardness);
        Assert.Equal(SynthesisMethod.FixedPrompts, config.Training.Method);
        Assert.Equal("my run", config.Name);
        Assert.Equal(7, config.Training.Seed);
        Assert.Equal(new ScheduleConfig().SamplesPerStep, config.Training.Schedule.SamplesPerStep);
    }

    [Fact]
    public void UnknownKeysListTheKeysThatExist()
    {
        var error = Assert.Throws<ArgumentException>(() => ConfigOverrides.Apply(new RunConfig(), ["Training.Schedule.Stepz=5"]));
        Assert.Contains("Unknown config key 'Training.Schedule.Stepz'", error.Message);
        Assert.Contains("Steps", error.Message);
    }

    [Fact]
    public void WrongValueTypesAndInvalidValuesAreRejected()
    {
        Assert.Contains("Training.Schedule.Steps takes a number, not 'many' (it is 200 now)",
            Assert.Throws<ArgumentException>(() => ConfigOverrides.Apply(new RunConfig(), ["training.schedule.steps=many"])).Message);
        Assert.Contains("takes true or false, not 'yes'", Assert.Throws<ArgumentException>(() =>
            ConfigOverrides.Apply(new RunConfig(), [$"{BooleanKey()}=yes"])).Message);
        Assert.Contains("not a valid run config", Assert.Throws<InvalidDataException>(() =>
            ConfigOverrides.Apply(new RunConfig(), ["Training.Schedule.Steps=2.5"])).Message);
        Assert.Contains("Device must be cpu, cuda or auto", Assert.Throws<ArgumentException>(() =>
            ConfigOverrides.Apply(new RunConfig(), ["Device=tpu"])).Message);
        Assert.Equal("gpu-a100", ConfigOverrides.Apply(new RunConfig(), ["WorkerKind=gpu-a100"]).WorkerKind);
        Assert.Contains("WorkerKind must be empty (any worker) or a label", Assert.Throws<ArgumentException>(() =>
            ConfigOverrides.Apply(new RunConfig(), ["WorkerKind=gpu; rm"])).Message);
        Assert.Contains("key=value", Assert.Throws<ArgumentException>(() => ConfigOverrides.Apply(new RunConfig(), ["Steps"])).Message);
        // Each section's problem names its section, so the prompter's and the student's learning rates are told apart.
        Assert.Contains("Training.Distillation: LearningRate must be positive (got 0)",
            RunConfigProblems.Of(ConfigOverrides.Apply(new RunConfig(), ["Training.Distillation.LearningRate=0"]), null, []));
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    public void ANumberBeyondWhatADoubleHoldsIsRefusedNamingTheKeyInsteadOfFailingWhenTheRunIsSaved(string value)
    {
        string message = Assert.Throws<InvalidDataException>(() =>
            ConfigOverrides.Apply(new RunConfig(), [$"Training.Distillation.LearningRate={value}"])).Message;
        Assert.Contains($"Training.Distillation.LearningRate in the config after overrides is {value}", message);
        Assert.Contains("finite", message);
    }

    private static string BooleanKey() => ConfigOverrides.Flatten(new RunConfig()).First(p => p.Value is "true" or "false").Key;

    [Fact]
    public void FlattenedConfigHasOneEntryPerLeafAndRoundTrips()
    {
        RunConfig config = RunPresets.Create("as-dfd", "genre", 3);
        var flat = ConfigOverrides.Flatten(config);
        Assert.Equal("AsDfd", flat["Training.Method"]);
        Assert.Equal("3", flat["Training.Seed"]);
        Assert.DoesNotContain("ResolvedTeacherFolder", flat.Keys);
        Assert.Equal(config.ToJson(), RunConfig.FromJson(config.ToJson()).ToJson());
    }

    [Fact]
    public void EveryPresetOfMethodMdExists()
    {
        Assert.Equal(["promptdfd", "promptdfd-no-rl", "promptdfd-robust", "promptdfd-warm-start-no-rl", "promptdfd-no-hardness",
            "promptdfd-no-plausibility", "data-driven-kd", "random-text", "unconditional-prior", "fixed-prompts", "as-dfd"],
            RunPresets.All.Select(p => p.Name));
        Assert.Equal(0, RunPresets.Create("promptdfd-no-rl", "x", 1).Training.Schedule.PrompterUpdates);
        var warmNoRl = RunPresets.Create("promptdfd-warm-start-no-rl", "x", 1).Training;
        Assert.Equal((0, new Engine.Method.PrompterConfig().WarmStartSteps),
            (warmNoRl.Schedule.PrompterUpdates, warmNoRl.Prompter.WarmStartSteps));
        Assert.Equal(0, RunPresets.Create("promptdfd-no-plausibility", "x", 1).Training.Reward.Plausibility);
        Assert.Contains("Unknown preset", Assert.Throws<ArgumentException>(() => RunPresets.Get("magic")).Message);
    }
}
