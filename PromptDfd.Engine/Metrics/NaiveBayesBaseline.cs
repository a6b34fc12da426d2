using System.Text.RegularExpressions;
using PromptDfd.Engine.Data;

namespace PromptDfd.Engine.Metrics;

/// <summary>
/// Multinomial Naive Bayes over lower-cased word counts with add-one smoothing: the bag-of-words floor every
/// teacher must beat to show it learned more than word frequencies.
/// </summary>
public sealed partial class NaiveBayesBaseline
{
    private readonly Dictionary<string, double[]> logLikelihood = new(StringComparer.Ordinal);
    private readonly double[] logPrior;
    private readonly double[] unseenLogLikelihood;

    public NaiveBayesBaseline(IEnumerable<(string Text, int Label)> training, int classes)
    {
        var counts = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var documents = new int[classes];
        var totals = new long[classes];
        foreach (var (text, label) in training)
        {
            documents[label]++;
            foreach (string word in Words(text))
            {
                if (!counts.TryGetValue(word, out int[]? perClass)) counts[word] = perClass = new int[classes];
                perClass[label]++;
                totals[label]++;
            }
        }
        int vocabulary = counts.Count;
        double documentTotal = documents.Sum();
        logPrior = documents.Select(d => Math.Log((d + 1) / (documentTotal + classes))).ToArray();
        unseenLogLikelihood = totals.Select(t => Math.Log(1.0 / (t + vocabulary + 1))).ToArray();
        foreach (var (word, perClass) in counts)
            logLikelihood[word] = perClass.Select((n, c) => Math.Log((n + 1.0) / (totals[c] + vocabulary + 1))).ToArray();
    }

    /// <summary>The baseline fitted on a task's training split.</summary>
    public static NaiveBayesBaseline TrainedOn(TaskDataset task) =>
        new(task.Splits.Train.Select(e => (e.Text, task.LabelIndex(e.Label))), task.Labels.Count);

    /// <summary>Accuracy and macro-F1 on examples of the task.</summary>
    public ClassificationScores Score(TaskDataset task, IReadOnlyList<LabeledExample> examples) =>
        ClassificationMetrics.Score(examples.Select(e => Predict(e.Text)).ToList(), examples.Select(e => task.LabelIndex(e.Label)).ToList(),
            task.Labels.Count);

    public int Predict(string text)
    {
        double[] scores = (double[])logPrior.Clone();
        foreach (string word in Words(text))
        {
            double[] likelihood = logLikelihood.GetValueOrDefault(word) ?? unseenLogLikelihood;
            for (int c = 0; c < scores.Length; c++) scores[c] += likelihood[c];
        }
        return Array.IndexOf(scores, scores.Max());
    }

    private static IEnumerable<string> Words(string text) => WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value);

    [GeneratedRegex(@"[\p{L}\p{N}']+")]
    private static partial Regex WordPattern();
}
