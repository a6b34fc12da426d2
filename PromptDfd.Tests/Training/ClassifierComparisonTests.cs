using PromptDfd.Engine.Data;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ClassifierComparisonTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();

    public void Dispose() => environment.Dispose();

    [Fact]
    public void TwoClassifiersAreComparedOnTheSameTextsAndTheirDisagreementsAccountForTheAccuracyGap()
    {
        var task = environment.Task;
        string trained = Path.Combine(environment.Root, "teachers", "trained");
        TeacherTraining.Train(task, Path.Combine(environment.Root, "models", "prior"), trained,
            new ClassifierTrainingConfig { Epochs = 3, BatchSize = 2, LearningRate = 3e-3, Dropout = 0, Seed = 40 }, CPU, _ => { });
        var first = Checkpoint.LoadClassifier(trained);
        var second = Checkpoint.LoadClassifier(Path.Combine(environment.Root, "models", "teachers", TinyRunEnvironment.TaskName));
        var examples = task.Splits.Train.Concat(task.Splits.Dev).Concat(task.Splits.Test).ToList();
        var batcher = new TextBatcher(first.Tokenizer, first.Classifier.ContextLength);

        var self = ClassifierComparison.Between(first.Module, batcher, first.Module, batcher, task, examples);
        Assert.Equal(self.First, self.Second);
        Assert.Equal((0, 0, 1.0), (self.Paired.OnlyFirstRight, self.Paired.OnlySecondRight, self.Paired.PValue));

        var pair = ClassifierComparison.Between(first.Module, batcher, second.Module, batcher, task, examples);
        Assert.Equal(examples.Count, pair.Paired.Count);
        Assert.True(pair.Paired.OnlyFirstRight + pair.Paired.OnlySecondRight > 0,
            "a trained and an untrained teacher should disagree somewhere");
        Assert.Equal(ClassifierInference.Score(first.Module, batcher, task, examples), pair.First);
        Assert.Equal(ClassifierInference.Score(second.Module, batcher, task, examples), pair.Second);
        // Texts both get right or both get wrong cancel, so the accuracy gap is exactly the difference of the discordant counts.
        Assert.Equal(pair.Paired.OnlyFirstRight - pair.Paired.OnlySecondRight,
            (int)Math.Round((pair.First.Accuracy - pair.Second.Accuracy) * examples.Count));
    }
}
