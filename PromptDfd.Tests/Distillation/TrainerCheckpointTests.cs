using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Runs;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Distillation;

[Trait(TestCategory.Name, TestCategory.Slow)]
public class TrainerCheckpointTests
{
    private static (DistillationTrainer Trainer, List<TrainerEvent> Events, BuiltRun Built) Build(TinyRunEnvironment environment,
        RunConfig config)
    {
        BuiltRun built = RunBuilder.Build(config, environment.Environment);
        var events = new List<TrainerEvent>();
        return (new DistillationTrainer(config.Training, built.Models, events.Add, built.Task.Splits.Train), events, built);
    }

    private static List<(int, string, double)> Curves(IEnumerable<TrainerEvent> events, int afterStep) =>
        events.OfType<MetricEvent>().Where(m => m.Step > afterStep && !Engine.Metrics.MetricNames.IsTiming(m.Name))
            .Select(m => (m.Step, m.Name, Math.Round(m.Value, 5))).ToList();

    [Theory]
    [InlineData("promptdfd", 0)]
    [InlineData("promptdfd", 0.5)] // the KL budget's adapted beta is part of the state a resume must restore
    [InlineData("fixed-prompts", 0)]
    public void ResumingFromACheckpointContinuesExactlyLikeTheUninterruptedRun(string preset, double klBudget)
    {
        using var environment = new TinyRunEnvironment();
        RunConfig config = RunBuilder.Complete(TinyRunEnvironment.Config(preset, steps: 6), environment.Environment);
        config = config with
        {
            Training = config.Training with
            {
                Reward = config.Training.Reward with
                {
                    PlausibilityTargetKl = klBudget
                }
            }
        };
        string checkpoint = Path.Combine(environment.Root, "checkpoint");

        var (whole, wholeEvents, wholeBuilt) = Build(environment, config);
        if (preset == "promptdfd") whole.Steer(new SteeringCommand(SteeringAction.Add, "positive", "Great actors"));
        whole.Train(wholeBuilt.Task.Splits.Test);

        var (first, _, firstBuilt) = Build(environment, config);
        if (preset == "promptdfd") first.Steer(new SteeringCommand(SteeringAction.Add, "positive", "Great actors"));
        first.Evaluate(firstBuilt.Task.Splits.Test);
        while (first.Step < 4) { first.RunStep(); if (first.EvaluationDue) first.Evaluate(firstBuilt.Task.Splits.Test); }
        first.SaveCheckpoint(checkpoint);
        first.RunStep(); // work after the checkpoint that a crash would lose

        var (resumed, resumedEvents, resumedBuilt) = Build(environment, config);
        resumed.LoadCheckpoint(checkpoint);
        Assert.Equal(4, resumed.Step);
        Assert.Equal(32, resumed.SamplesSeen);
        resumed.Train(resumedBuilt.Task.Splits.Test);

        Assert.Equal(Curves(wholeEvents, 4), Curves(resumedEvents.Where(e => e.Step > 4), 4));
        Assert.Equal(wholeEvents.OfType<SampleEvent>().Where(s => s.Step > 4), resumedEvents.OfType<SampleEvent>());
    }

    private static string CheckpointAfterOneStep(TinyRunEnvironment environment, RunConfig config)
    {
        string checkpoint = Path.Combine(environment.Root, "checkpoint");
        var (trainer, _, _) = Build(environment, config);
        trainer.RunStep();
        trainer.SaveCheckpoint(checkpoint);
        return checkpoint;
    }

    [Fact]
    public void ATruncatedCheckpointIsReportedNotSilentlyLoaded()
    {
        using var environment = new TinyRunEnvironment();
        RunConfig config = TinyRunEnvironment.Config(steps: 2);
        string checkpoint = CheckpointAfterOneStep(environment, config);
        string replay = Path.Combine(checkpoint, "replay.bin");
        File.WriteAllBytes(replay, File.ReadAllBytes(replay)[..20]);
        var (other, _, _) = Build(environment, config);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(checkpoint)).Message);
        Directory.Delete(checkpoint, true);
        Assert.Contains("not a complete run checkpoint", Assert.Throws<FileNotFoundException>(() =>
            other.LoadCheckpoint(checkpoint)).Message);
    }

    [Theory]
    [InlineData("student.bin", "cannot be read as this model's weights")]
    [InlineData("prompter.bin", "cannot be read as this model's weights")]
    [InlineData("trainer.json", "is not valid JSON state")]
    [InlineData("prompter-state.json", "is not valid JSON state")]
    public void ADamagedFileInACheckpointIsNamedWithWhatToDo(string file, string expected)
    {
        using var environment = new TinyRunEnvironment();
        RunConfig config = TinyRunEnvironment.Config(steps: 2);
        string checkpoint = CheckpointAfterOneStep(environment, config);
        string path = Path.Combine(checkpoint, file);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..(int)(new FileInfo(path).Length / 2)]);
        var (other, _, _) = Build(environment, config);

        string message = Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(checkpoint)).Message;
        Assert.Contains($"'{path}' {expected}", message);
        Assert.Contains("start again without resuming", message);
    }
}
