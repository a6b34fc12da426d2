using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Sources;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Distillation;

[Trait(TestCategory.Name, TestCategory.Slow)]
public class SampleSourceTests
{
    private static (DistillationTrainer Trainer, List<TrainerEvent> Events, BuiltRun Built) Build(TinyRunEnvironment environment,
        RunConfig config)
    {
        config = RunBuilder.Complete(config, environment.Environment);
        BuiltRun built = RunBuilder.Build(config, environment.Environment);
        var events = new List<TrainerEvent>();
        return (new DistillationTrainer(config.Training, built.Models, events.Add, built.Task.Splits.Train), events, built);
    }

    [Theory]
    [InlineData("data-driven-kd", PromptOrigin.Real)]
    [InlineData("random-text", PromptOrigin.Random)]
    [InlineData("unconditional-prior", PromptOrigin.None)]
    [InlineData("fixed-prompts", PromptOrigin.Fixed)]
    [InlineData("as-dfd", PromptOrigin.Inverted)]
    [InlineData("promptdfd", PromptOrigin.Policy)]
    public void EveryMethodFillsTheSameSampleBudgetAndTrainsTheStudent(string preset, PromptOrigin origin)
    {
        using var environment = new TinyRunEnvironment();
        var (trainer, events, built) = Build(environment, TinyRunEnvironment.Config(preset, steps: 2));
        trainer.Train(built.Task.Splits.Test);
        var samples = events.OfType<SampleEvent>().ToList();
        Assert.Equal(16, samples.Count);
        Assert.All(samples, s => Assert.Equal(origin, s.Origin));
        Assert.Contains(events.OfType<MetricEvent>(), m => m.Name == "student/kd_loss" && m.Value > 0);
        if (preset == "fixed-prompts") Assert.All(samples, s => Assert.Contains(s.Prompt,
            new[] { "The food was terrible", "The movie was wonderful" }));
        if (preset == "data-driven-kd") Assert.All(samples, s => Assert.Equal("", s.Prompt));
    }

    [Fact]
    public void FixedPromptsWithoutAPromptForEveryClassIsRejected()
    {
        using var environment = new TinyRunEnvironment();
        var config = TinyRunEnvironment.Config("fixed-prompts");
        config = config with
        {
            Training = config.Training with
            {
                TopicPrompts = new Dictionary<string,
            string[]>
                { ["positive"] = ["Great"] }
            }
        };
        BuiltRun built = RunBuilder.Build(config, environment.Environment);
        var error = Assert.Throws<ArgumentException>(() => new DistillationTrainer(config.Training, built.Models, _ => { }));
        Assert.Contains("class 'negative'", error.Message);
    }

    [Fact]
    public void DataDrivenKdWithoutTrainingTextIsRejected()
    {
        using var environment = new TinyRunEnvironment();
        var config = TinyRunEnvironment.Config("data-driven-kd");
        BuiltRun built = RunBuilder.Build(config, environment.Environment);
        Assert.Contains("training split", Assert.Throws<ArgumentException>(() =>
            new DistillationTrainer(config.Training, built.Models, _ => { })).Message);
    }

    [Fact]
    public void EmbeddingInversionRaisesTheTeachersConfidenceInTheTargetClass()
    {
        using var environment = new TinyRunEnvironment();
        double MeanRelevance(int steps)
        {
            var config = TinyRunEnvironment.Config("as-dfd");
            config = config with
            {
                Training = config.Training with
                {
                    AsDfd = new AsDfdConfig { InversionSteps = steps, LearningRate = 0.5, DisagreementWeight = 0 }
                }
            };
            var (_, _, built) = Build(environment, config);
            var source = new EmbeddingInversionSource(config.Training, built.Models, new RandomSources(3));
            SyntheticBatch batch = source.Draw(16);
            var teacher = (Engine.Models.ITextClassifier)built.Teacher.Module;
            using var ids = TorchSharp.torch.tensor(batch.Contents.SelectMany(c => c.Select(t => (long)t)).ToArray(),
                [16, batch.Contents[0].Length]);
            using var logProbabilities = TorchSharp.torch.nn.functional.log_softmax(teacher.Classify(ids, null), 1);
            return batch.Classes.Select((c, i) => logProbabilities[i, c].item<float>()).Average();
        }
        Assert.True(MeanRelevance(12) > MeanRelevance(1), "more inversion steps should make the teacher surer of the target class");
    }

    [Fact]
    public void PinnedPromptIsUsedEveryStepAndABannedPromptLeavesThePool()
    {
        using var environment = new TinyRunEnvironment();
        var (trainer, events, built) = Build(environment, TinyRunEnvironment.Config(steps: 3));
        trainer.Steer(new SteeringCommand(SteeringAction.Pin, "positive", "Great actors"));
        trainer.Steer(new SteeringCommand(SteeringAction.Pin, "negative", "The food was terrible"));
        trainer.Steer(new SteeringCommand(SteeringAction.Ban, "negative", "The food was terrible"));
        for (int i = 0; i < 3; i++) trainer.RunStep();
        var samples = events.OfType<SampleEvent>().ToList();
        var pinned = samples.Where(s => s.Origin == PromptOrigin.Pinned).ToList();
        Assert.NotEmpty(pinned);
        Assert.All(pinned, s => Assert.Equal("Great actors", s.Prompt));
        Assert.DoesNotContain(samples, s => s.Prompt == "The food was terrible");
        Assert.Equal([1, 1, 1], events.OfType<PromptChangeEvent>().Select(e => e.Step));
    }
}
