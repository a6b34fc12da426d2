using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Distillation;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class DistillationTrainerTests
{
    private static readonly string[] Labels = ["negative", "positive"];

    private static (DistillationTrainer Trainer, List<TrainerEvent> Events) Build(TemporaryFolder folder, long seed = 1, int studentUpdates =
        2, double studentLearningRate = 3e-3, double prompterLearningRate = 1e-3, int contentsPerPrompt = 1)
    {
        TinyTokenizer.WriteTo(folder.Path);
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(folder.Path);
        var prior = TinyModels.LanguageModel(tokenizer.VocabularySize, seed: 11);
        manual_seed(21);
        var teacher = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 2);
        var student = new StudentConfig { Layers = 1, Width = 16, Heads = 2 }.Create(tokenizer.VocabularySize, 32, 2, seed: 31);
        var config = new MethodConfig
        {
            Prompter = new PrompterConfig { PromptLength = 3, PrefixLength = 2, LearningRate = prompterLearningRate },
            Content = new SamplingConfig { MaxNewTokens = 8, TopP = 0.95 },
            Selection = new SelectionConfig { Candidates = contentsPerPrompt },
            Distillation = new DistillationConfig { BatchSize = 8, LearningRate = studentLearningRate },
            Schedule = new ScheduleConfig { Steps = 6, SamplesPerStep = 8, StudentUpdates = studentUpdates, EvaluateEvery = 3 },
            Seed = seed,
        };
        var events = new List<TrainerEvent>();
        return (new DistillationTrainer(config, new DistillationModels(prior, teacher, student, tokenizer, Labels), events.Add), events);
    }

    private static readonly LabeledExample[] Evaluation =
        [new("The movie was wonderful.", "positive"), new("The food was terrible.", "negative"), new("Great actors.", "positive")];

    [Fact]
    public void RunEmitsEveryRewardTermSamplesAndPeriodicEvaluation()
    {
        using var folder = new TemporaryFolder();
        var (trainer, events) = Build(folder);
        trainer.Train(Evaluation);
        var names = events.OfType<MetricEvent>().Select(m => m.Name).ToHashSet();
        foreach (string name in new[] { "reward/total", "reward/relevance", "reward/hardness", "reward/plausibility", "reward/diversity",
            "student/kd_loss", "student/accuracy", "prompter/entropy" })
            Assert.Contains(name, names);
        Assert.Equal(48, trainer.SamplesSeen);
        Assert.Equal(48, events.OfType<SampleEvent>().Count());
        // Evaluated before training, at step 3 and at step 6.
        Assert.Equal([0, 3, 6], events.OfType<MetricEvent>().Where(m => m.Name == "student/accuracy").Select(m => m.Step));
        // Each sample carries the teacher's own reading of it: one of the task's labels, with a confidence that differs
        // from sample to sample (a constant would mean the teacher was not asked).
        var samples = events.OfType<SampleEvent>().ToList();
        Assert.All(samples, s => Assert.Contains(s.TeacherLabel, Labels));
        Assert.True(samples.Select(s => s.TeacherConfidence).Distinct().Count() > samples.Count / 2, "teacher confidences vary by sample");
    }

    [Fact]
    public void EveryStepReportsHowOftenTheTeacherReadsTheIntendedClassAndTheArtifactShare()
    {
        using var folder = new TemporaryFolder();
        var (trainer, events) = Build(folder);
        trainer.Train(Evaluation);
        var metrics = events.OfType<MetricEvent>().ToList();
        foreach (string name in new[] { Engine.Metrics.MetricNames.IntendedProbability, Engine.Metrics.MetricNames.IntendedAgreement,
            Engine.Metrics.MetricNames.ArtifactShare })
        {
            var values = metrics.Where(m => m.Name == name).ToList();
            Assert.Equal([1, 2, 3, 4, 5, 6], values.Select(m => m.Step));
            Assert.All(values, m => Assert.InRange(m.Value, 0, 1));
        }
        // Per class over the quality window, at each evaluation after the first samples.
        Assert.Equal([3, 6], metrics.Where(m => m.Name == $"{Engine.Metrics.MetricNames.IntendedAgreement}/class/positive").Select(m =>
            m.Step));
        // The agreement is the share of this step's samples whose teacher label is their class.
        var stepOne = events.OfType<SampleEvent>().Where(s => s.Step == 1).ToList();
        Assert.Equal(stepOne.Average(s => s.TeacherLabel == s.Class ? 1.0 : 0.0),
            metrics.Single(m => m.Step == 1 && m.Name == Engine.Metrics.MetricNames.IntendedAgreement).Value, 9);
    }

    [Fact]
    public void SameSeedGivesIdenticalCurvesAndSamples()
    {
        using var first = new TemporaryFolder();
        using var second = new TemporaryFolder();
        // libtorch's generator (dropout) is process-wide, so runs are built and trained one after the other, as the run queue does.
        var (a, eventsA) = Build(first);
        a.Train(Evaluation);
        var (b, eventsB) = Build(second);
        b.Train(Evaluation);
        Assert.Equal(eventsA.OfType<SampleEvent>(), eventsB.OfType<SampleEvent>());
        // Wall-clock timings are the only metrics allowed to differ.
        static IEnumerable<(string, double)> Curves(List<TrainerEvent> events) =>
            events.OfType<MetricEvent>().Where(m => !Engine.Metrics.MetricNames.IsTiming(m.Name)).Select(m =>
                (m.Name, m.Value));
        Assert.Equal(Curves(eventsA), Curves(eventsB));
    }

    [Fact]
    public void ARunThatKeepsTheBestOfSeveralContentsIsReproducibleAndDistilsOtherText()
    {
        using var first = new TemporaryFolder();
        using var second = new TemporaryFolder();
        using var third = new TemporaryFolder();
        List<SampleEvent> Samples(TemporaryFolder folder, int contentsPerPrompt)
        {
            var (trainer, events) = Build(folder, contentsPerPrompt: contentsPerPrompt);
            trainer.Train(Evaluation);
            Assert.Equal(48, trainer.SamplesSeen);
            return events.OfType<SampleEvent>().ToList();
        }
        var chosen = Samples(first, 4);
        Assert.Equal(chosen, Samples(second, 4));
        var single = Samples(third, 1);
        Assert.NotEqual(chosen.Select(s => s.Content), single.Select(s => s.Content));
    }

    [Fact]
    public void StudentDistillationLossFallsAsTheStudentLearnsTheTeacher()
    {
        using var folder = new TemporaryFolder();
        var (trainer, events) = Build(folder, studentUpdates: 8);
        trainer.Train(Evaluation);
        var kd = events.OfType<MetricEvent>().Where(m => m.Name == "student/kd_loss").Select(m => m.Value).ToList();
        Assert.True(kd[^2..].Average() < kd[..2].Average(), string.Join(", ", kd));
    }

    [Theory]
    [InlineData(1e30, 1e-3, "the student diverged", "Lower Training.Distillation.LearningRate (now 1E+30)")]
    [InlineData(3e-3, 1e30, "the prompter diverged", "Lower Training.Prompter.LearningRate (now 1E+30)")]
    public void ALearnerThatDivergesStopsTheRunWithTheLearningRateToLower(double studentRate, double prompterRate, string what, string fix)
    {
        using var folder = new TemporaryFolder();
        var (trainer, events) = Build(folder, studentLearningRate: studentRate, prompterLearningRate: prompterRate);
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Train(Evaluation));
        Assert.Contains(what, error.Message);
        Assert.Contains(fix, error.Message);
        // Nothing non-finite reached the curves before the run stopped.
        Assert.All(events.OfType<MetricEvent>().Where(m => m.Name is "student/kd_loss" or "reward/total" or "prompter/entropy"), m =>
            Assert.True(double.IsFinite(m.Value), m.Name));
    }
}
