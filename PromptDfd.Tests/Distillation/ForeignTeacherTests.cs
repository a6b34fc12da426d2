using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Distillation;

/// <summary>
/// A teacher whose tokenizer is not the prior's (a Hugging Face BERT with a GPT-style generator, the paper's setting)
/// reads the synthetic samples as text, in its own WordPiece tokens.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ForeignTeacherTests : IDisposable
{
    private static readonly string[] Labels = ["negative", "positive"];
    private readonly TinyRunEnvironment environment = new();

    private string WriteBertTeacher(string[]? labels = null)
    {
        string folder = Path.Combine(environment.Root, "models", "bert-teacher");
        Directory.CreateDirectory(folder);
        HuggingFaceFixtures.WriteBert(folder, seed: 7, labels: labels ?? Labels);
        return folder;
    }

    private static RunConfig BertRun(string preset = "promptdfd") => TinyRunEnvironment.Config(preset, steps: 2) with
    {
        TeacherFolder = "models/bert-teacher"
    };

    [Fact]
    public void EverySampleIsLabelledAsTheBertTeacherLabelsItsTextAnywhereElse()
    {
        LoadedClassifier bert = Checkpoint.LoadClassifier(WriteBertTeacher());
        var prior = Checkpoint.LoadLanguageModel(Path.Combine(environment.Root, "models", "prior"));
        var student = new StudentConfig { Layers = 1, Width = 16, Heads = 2 }.Create(prior.Tokenizer.VocabularySize, 32, 2, seed: 31);
        var config = BertRun().Training with { Schedule = BertRun().Training.Schedule with { Steps = 2, EvaluateEvery = 2 } };
        var events = new List<TrainerEvent>();
        var trainer = new DistillationTrainer(config, new DistillationModels(prior.Model, bert.Module, student, prior.Tokenizer, Labels,
            bert.Tokenizer), events.Add);

        trainer.Train([new("The movie was great!", "positive"), new("The food was terrible.", "negative")]);

        var samples = events.OfType<SampleEvent>().ToList();
        Assert.Equal(16, samples.Count);
        // The reference is how evaluate and the Playground read a text: the BERT's own tokenizer, its [CLS] and [SEP].
        float[][] expected = ClassifierInference.Probabilities(bert.Module, new TextBatcher(bert.Tokenizer, HuggingFaceFixtures.Positions),
            samples.Select(s => s.Prompt + s.Content).ToList());
        for (int i = 0; i < samples.Count; i++)
        {
            int label = Array.IndexOf(expected[i], expected[i].Max());
            Assert.Equal(Labels[label], samples[i].TeacherLabel);
            Assert.Equal(expected[i][label], samples[i].TeacherConfidence, 5);
        }
    }

    [Fact]
    public void ATeacherWithAShorterContextThanThePriorReadsSamplesAndLongTextsWithinIt()
    {
        var prior = Checkpoint.LoadLanguageModel(Path.Combine(environment.Root, "models", "prior"));
        int vocabulary = prior.Tokenizer.VocabularySize;
        TorchSharp.torch.manual_seed(5);
        var teacher = new GptClassifier(new GptConfig
        {
            VocabularySize = vocabulary,
            ContextLength = 16,
            Layers = 1,
            Heads = 2,
            Width = 16
        }, 2);
        var student = new StudentConfig { Layers = 1, Width = 16, Heads = 2 }.Create(vocabulary, 32, 2, seed: 31);
        var training = BertRun().Training;
        var config = training with
        {
            Content = training.Content with { MaxNewTokens = 20 },
            Schedule = training.Schedule with { Steps = 2, EvaluateEvery = 2 },
        };
        LabeledExample[] evaluation =
            [new("The movie was wonderful and the actors were great, and the food was terrible and the service was slow.", "positive"),
                new("The food was terrible.", "negative")];
        Assert.True(prior.Tokenizer.Encode(evaluation[0].Text).Count > 16);
        var events = new List<TrainerEvent>();
        var trainer = new DistillationTrainer(config, new DistillationModels(prior.Model, teacher, student, prior.Tokenizer, Labels),
            events.Add);

        trainer.Train(evaluation);

        Assert.Equal(16, events.OfType<SampleEvent>().Count());
        var task = new TaskDataset
        {
            Info = new TaskInfo { Name = "t", Labels = Labels, Description = "" },
            Splits = new DatasetSplits([], [], evaluation)
        };
        double expected = ClassifierInference.Score(teacher, new TextBatcher(prior.Tokenizer, 16), task, evaluation).Accuracy;
        Assert.All(events.OfType<MetricEvent>().Where(m => m.Name == "teacher/accuracy"), m => Assert.Equal(expected, m.Value, 6));
    }

    [Fact]
    public async Task ARunWithABertTeacherCompletesAndRecordsItsTokenizerAndItsOwnAccuracy()
    {
        // Named in capitals, as Hugging Face's SST-2 checkpoints name them: the same classes.
        string teacherFolder = WriteBertTeacher(["NEGATIVE", "POSITIVE"]);
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment);
        manager.Start();

        RunRecord run = manager.Submit(BertRun());
        RunRecord done = await manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(done.Status == RunStatus.Completed, done.Error);
        Assert.Equal(TokenizerFactory.Fingerprint(teacherFolder), done.Hashes["teacher_tokenizer"]);
        LoadedClassifier bert = Checkpoint.LoadClassifier(teacherFolder);
        TaskDataset task = environment.Task;
        double accuracy = ClassifierInference.Score(bert.Module, new TextBatcher(bert.Tokenizer, HuggingFaceFixtures.Positions), task,
            task.Splits.Test).Accuracy;
        Assert.All(store.Metrics(run.Id, "teacher/accuracy"), m => Assert.Equal(accuracy, m.Value, 6));
    }

    [Fact]
    public void AsDfdIsRefusedBeforeQueueingWhenTheTeacherHasAnotherTokenizer()
    {
        WriteBertTeacher();
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment);

        var error = Assert.Throws<ArgumentException>(() => manager.Submit(BertRun("as-dfd")));

        Assert.Contains("AS-DFD", error.Message);
        Assert.Contains("WordPiece", error.Message);
        Assert.Empty(store.All());
    }

    [Fact]
    public void ATeacherOfOtherClassesOrAMissingOneIsRefusedBeforeQueueingWithWhatToChange()
    {
        string folder = WriteBertTeacher();
        HuggingFaceFixtures.WriteBert(folder, labels: ["negative", "neutral", "positive"]);
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment);

        var wrongClasses = Assert.Throws<ArgumentException>(() => manager.Submit(BertRun()));
        var missing = Assert.Throws<ArgumentException>(() => manager.Submit(BertRun() with { TeacherFolder = "models/none" }));

        Assert.Contains("predicts [negative, neutral, positive] but task 'tiny' has [negative, positive]", wrongClasses.Message);
        Assert.Contains("id2label", wrongClasses.Message);
        Assert.Contains("No teacher at", missing.Message);
        Assert.Contains("TeacherFolder", missing.Message);
        Assert.Empty(store.All());
    }

    [Fact]
    public void ATeacherThatSharesThePriorsTokenizerReadsThePriorsIdsAndAddsNoHash()
    {
        string prior = Path.Combine(environment.Root, "models", "prior");
        string teacher = Path.Combine(environment.Root, "models", "teachers", TinyRunEnvironment.TaskName);

        Assert.True(RunBuilder.SharesTokenizer(prior, teacher));
        Assert.False(RunBuilder.SharesTokenizer(prior, WriteBertTeacher()));
        Assert.DoesNotContain("teacher_tokenizer", RunBuilder.InputHashes(TinyRunEnvironment.Config(), environment.Environment).Keys);
    }

    public void Dispose() => environment.Dispose();
}
