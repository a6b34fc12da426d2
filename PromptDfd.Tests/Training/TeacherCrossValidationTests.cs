using PromptDfd.Engine.Data;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class TeacherCrossValidationTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();
    private static readonly ClassifierTrainingConfig Quick = new()
    {
        Epochs = 2,
        BatchSize = 8,
        LearningRate = 3e-3,
        Dropout = 0,
        AverageFromEpoch = 1
    };

    public void Dispose() => environment.Dispose();

    private string Prior => Path.Combine(environment.Root, "models", "prior");

    /// <summary>
    /// Documents whose words appear in no other document and whose labels alternate: a held-out document can only
    /// be classified from its own words if it leaked into training.
    /// </summary>
    private TaskDataset DocumentTask(int documents)
    {
        var examples = Enumerable.Range(0, documents).SelectMany(d => Enumerable.Range(0, 2).Select(c =>
            new LabeledExample($"zq{d}a yv{d}b{c} kw{d}c", TinyRunEnvironment.Labels[d % 2], $"document-{d}"))).ToList();
        var task = new TaskDataset
        {
            Info = new TaskInfo { Name = "documents", Labels = TinyRunEnvironment.Labels, Description = "documents with private words" },
            Splits = new DatasetSplits(examples.SkipLast(4).ToList(), examples.TakeLast(4).ToList(),
                [new LabeledExample("the test split is never read", "positive", "test-document")]),
        };
        string folder = Path.Combine(environment.Root, "data", "tasks", "documents");
        task.Save(folder);
        return TaskDataset.Load(folder);
    }

    [Fact]
    public void EveryTrainAndDevTextIsHeldOutOnceAndNoHeldOutDocumentIsTrainedOn()
    {
        var task = DocumentTask(60);
        var result = TeacherCrossValidation.Run(task, Prior, Quick, folds: 2, CPU, _ => { });

        int pooled = task.Splits.Train.Count + task.Splits.Dev.Count;
        Assert.Equal(2, result.Folds.Count);
        Assert.Equal(pooled, result.Folds.Sum(f => f.HeldOut));
        Assert.Equal(60, result.Folds.Sum(f => f.HeldOutDocuments));
        Assert.All([result.Teacher, result.NaiveBayes, result.Averaged!, .. result.ByEpoch], scores => Assert.Equal(pooled, scores.Count));
        Assert.All(result.Folds, fold => Assert.Equal(pooled - fold.HeldOut, fold.Trained + fold.InnerDev));
        // Naive Bayes would read a leaked document's private words perfectly; unseen, they leave it at chance or below.
        Assert.True(result.NaiveBayes.Accuracy <= 0.75, $"Naive Bayes scored {result.NaiveBayes.Accuracy:P0} on held-out documents");
        Assert.Equal(pooled, result.TeacherAgainstNaiveBayes.Count);
    }

    [Fact]
    public void TheTeacherOfAFoldIsTheEpochItsInnerDevChoseAndAveragingIsReportedBesideIt()
    {
        var task = DocumentTask(60);
        var result = TeacherCrossValidation.Run(task, Prior, Quick, folds: 2, CPU, _ => { });

        Assert.All(result.Folds, fold =>
        {
            Assert.InRange(fold.SelectedEpoch, 1, Quick.Epochs);
            Assert.Equal(Quick.Epochs, fold.ByEpoch.Count);
            Assert.Equal(fold.ByEpoch[fold.SelectedEpoch - 1], fold.Teacher);
            Assert.NotNull(fold.Averaged);
        });
        Assert.NotNull(result.AveragedAgainstTeacher);
        string report = result.ToMarkdown("title", "the command");
        Assert.Contains("| 1 |", report);
        Assert.Contains("| 2 |", report);
        Assert.Contains("| all | 60 |", report);
        Assert.Contains("averaged weights against Naive Bayes", report);
    }

    [Fact]
    public void TooFewDocumentsForTheFoldsOrSeveralRestartsAreRefusedWithWhatToChange()
    {
        var task = DocumentTask(6);
        var tooMany = Assert.Throws<ArgumentException>(() => TeacherCrossValidation.Run(task, Prior, Quick, folds: 12, CPU, _ => { }));
        Assert.Contains("Use fewer folds", tooMany.Message);
        var restarts = Assert.Throws<ArgumentException>(() => TeacherCrossValidation.Run(task, Prior, Quick with { Restarts = 2 }, folds: 2,
            CPU, _ => { }));
        Assert.Contains("drop --restarts", restarts.Message);
    }
}
