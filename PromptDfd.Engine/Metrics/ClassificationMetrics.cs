namespace PromptDfd.Engine.Metrics;

public sealed record ClassificationScores(double Accuracy, double MacroF1, int Count)
{
    public override string ToString() => FormattableString.Invariant($"accuracy {Accuracy:P1}, macro-F1 {MacroF1:P1} (n = {Count})");
}

public static class ClassificationMetrics
{
    public static ClassificationScores Score(IReadOnlyList<int> predicted, IReadOnlyList<int> actual, int classes)
    {
        if (predicted.Count != actual.Count) throw new ArgumentException($"{predicted.Count} predictions for {actual.Count} labels.");
        if (actual.Count == 0) return new ClassificationScores(double.NaN, double.NaN, 0);
        var truePositive = new int[classes];
        var predictedCount = new int[classes];
        var actualCount = new int[classes];
        int correct = 0;
        for (int i = 0; i < actual.Count; i++)
        {
            predictedCount[predicted[i]]++;
            actualCount[actual[i]]++;
            if (predicted[i] == actual[i]) { correct++; truePositive[actual[i]]++; }
        }
        // Macro-F1 over the classes that occur in the labels or the predictions; an absent class would add a meaningless 0.
        var f1 = Enumerable.Range(0, classes).Where(c => actualCount[c] + predictedCount[c] > 0)
            .Select(c => 2.0 * truePositive[c] / (actualCount[c] + predictedCount[c]));
        return new ClassificationScores(correct / (double)actual.Count, f1.Average(), actual.Count);
    }

    /// <summary>Fraction of positions where two classifiers predict the same class.</summary>
    public static double Agreement(IReadOnlyList<int> first, IReadOnlyList<int> second) =>
        first.Count == 0 ? double.NaN : first.Zip(second).Count(p => p.First == p.Second) / (double)first.Count;
}
