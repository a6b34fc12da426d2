using PromptDfd.Engine.Data;
using PromptDfd.Engine.Metrics;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>A classifier and the Naive Bayes baseline on the same examples: both scores and the paired test between them.</summary>
public sealed record BaselineComparison(ClassificationScores Classifier, ClassificationScores NaiveBayes, PairedComparison Paired)
{
    public static BaselineComparison On(nn.Module module, TextBatcher batcher, TaskDataset task, IReadOnlyList<LabeledExample> examples, NaiveBayesBaseline naiveBayes)
    {
        var actual = examples.Select(e => task.LabelIndex(e.Label)).ToList();
        int[] predicted = ClassifierInference.Predict(module, batcher, examples.Select(e => e.Text).ToList());
        var baseline = examples.Select(e => naiveBayes.Predict(e.Text)).ToList();
        return new BaselineComparison(ClassificationMetrics.Score(predicted, actual, task.Labels.Count),
            ClassificationMetrics.Score(baseline, actual, task.Labels.Count), PairedComparison.Of(predicted, baseline, actual));
    }
}
