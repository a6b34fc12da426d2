using System.Globalization;
namespace PromptDfd.Engine.Metrics;

/// <summary>
/// Two classifiers judged on the same texts: where they disagree about being right, and the exact McNemar test of whether
/// that split could be chance. Accuracy differences of a point on a few hundred texts often are.
/// </summary>
public sealed record PairedComparison(int Count, int OnlyFirstRight, int OnlySecondRight, double PValue)
{
    public static PairedComparison Of(IReadOnlyList<int> first, IReadOnlyList<int> second, IReadOnlyList<int> actual)
    {
        if (first.Count != actual.Count || second.Count != actual.Count)
            throw new ArgumentException($"Both prediction lists must have one entry per text ({actual.Count}); got {first.Count} and " +
                $"{second.Count}.");
        int onlyFirst = 0, onlySecond = 0;
        for (int i = 0; i < actual.Count; i++)
        {
            bool firstRight = first[i] == actual[i], secondRight = second[i] == actual[i];
            if (firstRight && !secondRight) onlyFirst++;
            if (secondRight && !firstRight) onlySecond++;
        }
        return new PairedComparison(actual.Count, onlyFirst, onlySecond, ExactMcNemar(onlyFirst, onlySecond));
    }

    /// <summary>Two-sided exact p-value: under "equally good", each disagreement goes either way with probability 1/2.</summary>
    public static double ExactMcNemar(int onlyFirst, int onlySecond)
    {
        int n = onlyFirst + onlySecond, k = Math.Min(onlyFirst, onlySecond);
        if (n == 0) return 1.0;
        // Binomial(n, 1/2) tail in log space, so hundreds of disagreements do not underflow.
        double logTail = double.NegativeInfinity, logChoose = 0;
        for (int i = 0; i <= k; i++)
        {
            if (i > 0) logChoose += Math.Log(n - i + 1) - Math.Log(i);
            double term = logChoose - n * Math.Log(2);
            logTail = Math.Max(logTail, term) + Math.Log(1 + Math.Exp(-Math.Abs(logTail - term)));
        }
        return Math.Min(1.0, 2 * Math.Exp(logTail));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"on the same {Count} texts, only the first is right on {OnlyFirstRight} and only the second on {OnlySecondRight}; exact McNemar " +
            $"p = {PValue:F3}");
}
