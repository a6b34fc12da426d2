namespace PromptDfd.Engine.Metrics;

/// <summary>Diversity measures of synthetic text over whitespace tokens (method.md, "Metrics").</summary>
public static class SynthesisMetrics
{
    /// <summary>distinct-n: distinct n-grams divided by all n-grams across the texts (1 = no repetition).</summary>
    public static double DistinctN(IEnumerable<string> texts, int n)
    {
        var all = texts.SelectMany(t => NGrams(Words(t), n)).ToList();
        return all.Count == 0 ? 0 : all.Distinct(StringComparer.Ordinal).Count() / (double)all.Count;
    }

    /// <summary>
    /// Self-BLEU: the mean BLEU-4 (uniform weights, brevity penalty, +1 smoothing of higher orders) of each text
    /// against all the others as references. Higher means the texts resemble each other more.
    /// </summary>
    public static double SelfBleu(IReadOnlyList<string> texts, int maxOrder = 4)
    {
        if (texts.Count < 2) return 0;
        var tokenized = texts.Select(Words).ToList();
        double total = 0;
        for (int i = 0; i < tokenized.Count; i++)
            total += Bleu(tokenized[i], tokenized.Where((_, j) => j != i).ToList(), maxOrder);
        return total / tokenized.Count;
    }

    public static double Bleu(IReadOnlyList<string> hypothesis, IReadOnlyList<IReadOnlyList<string>> references, int maxOrder = 4)
    {
        if (hypothesis.Count == 0) return 0;
        double logPrecision = 0;
        for (int n = 1; n <= maxOrder; n++)
        {
            var counts = NGrams(hypothesis, n).GroupBy(g => g, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(),
                StringComparer.Ordinal);
            var maxReference = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var reference in references)
                foreach (var group in NGrams(reference, n).GroupBy(g => g, StringComparer.Ordinal))
                    maxReference[group.Key] = Math.Max(maxReference.GetValueOrDefault(group.Key), group.Count());
            int clipped = counts.Sum(p => Math.Min(p.Value, maxReference.GetValueOrDefault(p.Key)));
            int possible = Math.Max(0, hypothesis.Count - n + 1);
            // Smoothing for n > 1 keeps short texts from scoring exactly zero.
            double precision = n == 1 ? (possible == 0 ? 0 : clipped / (double)possible) : (clipped + 1.0) / (possible + 1.0);
            if (precision == 0) return 0;
            logPrecision += Math.Log(precision) / maxOrder;
        }
        int closest = references.Select(r => r.Count).OrderBy(l => Math.Abs(l - hypothesis.Count)).ThenBy(l => l).First();
        double brevity = hypothesis.Count >= closest ? 1 : Math.Exp(1 - closest / (double)hypothesis.Count);
        return brevity * Math.Exp(logPrecision);
    }

    private static List<string> Words(string text) => text.ToLowerInvariant().Split((char[])[' ', '\n', '\t'],
        StringSplitOptions.RemoveEmptyEntries).ToList();

    private static IEnumerable<string> NGrams(IReadOnlyList<string> words, int n)
    {
        for (int i = 0; i + n <= words.Count; i++) yield return string.Join('\u0001', words.Skip(i).Take(n));
    }
}
