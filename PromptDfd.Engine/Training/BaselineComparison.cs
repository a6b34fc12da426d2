using PromptDfd.Engine.Data;
using PromptDfd.Engine.Metrics;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>A classifier and the Naive Bayes baseline on the same examples: both scores and the paired test between them.</summary>
public sealed record BaselineComparison(ClassificationScores Classifier, ClassificationScores NaiveBayes, PairedComparison Paired)
{
    public static BaselineComparison On(nn.Module module, TextBatcher batcher, TaskDataset task, IReadOnlyList<LabeledExample> examples,
        NaiveBayesBaseline naiveBayes) =>
        Of(ClassifierInference.Probabilities(module, batcher, examples.Select(e => e.Text).ToList()), task, examples, naiveBayes);

    /// <summary>From class probabilities already computed for the examples (in order), so a caller that keeps them reads the texts
    /// once.</summary>
    public static BaselineComparison Of(float[][] probabilities, TaskDataset task, IReadOnlyList<LabeledExample> examples,
        NaiveBayesBaseline naiveBayes)
    {
        var actual = examples.Select(e => task.LabelIndex(e.Label)).ToList();
        int[] predicted = ClassifierInference.Predicted(probabilities);
        var baseline = examples.Select(e => naiveBayes.Predict(e.Text)).ToList();
        return new BaselineComparison(ClassificationMetrics.Score(predicted, actual, task.Labels.Count),
            ClassificationMetrics.Score(baseline, actual, task.Labels.Count), PairedComparison.Of(predicted, baseline, actual));
    }
}

/// <summary>Two classifiers on the same examples: both scores and the paired test between them (e.g. a candidate teacher against the
/// shipped one).</summary>
public sealed record ClassifierComparison(ClassificationScores First, ClassificationScores Second, PairedComparison Paired)
{
    public static ClassifierComparison Between(nn.Module first, TextBatcher firstBatcher, nn.Module second, TextBatcher secondBatcher,
        TaskDataset task, IReadOnlyList<LabeledExample> examples)
    {
        var texts = examples.Select(e => e.Text).ToList();
        return Of(ClassifierInference.Probabilities(first, firstBatcher, texts),
            ClassifierInference.Probabilities(second, secondBatcher, texts), task, examples);
    }

    /// <summary>From class probabilities already computed for the examples (in order), so a caller that keeps them reads the texts
    /// once.</summary>
    public static ClassifierComparison Of(float[][] first, float[][] second, TaskDataset task, IReadOnlyList<LabeledExample> examples)
    {
        var actual = examples.Select(e => task.LabelIndex(e.Label)).ToList();
        int[] firstPredicted = ClassifierInference.Predicted(first), secondPredicted = ClassifierInference.Predicted(second);
        return new ClassifierComparison(ClassificationMetrics.Score(firstPredicted, actual, task.Labels.Count),
            ClassificationMetrics.Score(secondPredicted, actual, task.Labels.Count),
                PairedComparison.Of(firstPredicted, secondPredicted, actual));
    }
}
