using System.Security.Cryptography;
using System.Text;

namespace PromptDfd.Engine.Data;

public sealed record DatasetSplits(IReadOnlyList<LabeledExample> Train, IReadOnlyList<LabeledExample> Dev,
    IReadOnlyList<LabeledExample> Test);

/// <summary>
/// Assigns whole groups (a document, or a single text when it has no group) to train, dev or test by a hash of
/// the seed and the group, so the split is fixed, independent of input order, and never divides a document.
/// </summary>
public static class DatasetSplitter
{
    /// <summary>The seed every shipped and registered task is split with; changing it changes every split.</summary>
    public const string SplitSeed = "promptdfd-splits-v1";

    public static DatasetSplits Split(IEnumerable<LabeledExample> examples, string seed, double devFraction = 0.1, double testFraction =
        0.1)
    {
        RequireFractions(devFraction, testFraction);
        var train = new List<LabeledExample>();
        var dev = new List<LabeledExample>();
        var test = new List<LabeledExample>();
        foreach (LabeledExample example in examples)
        {
            double position = UnitInterval(seed + "\n" + (example.Group ?? example.Text));
            (position < testFraction ? test : position < testFraction + devFraction ? dev : train).Add(example);
        }
        return new DatasetSplits(train, dev, test);
    }

    /// <summary>
    /// A split stratified by label, for users' datasets: within each class the texts are ordered by the same hash and the
    /// first shares go to test and dev, so every class appears in each split in its proportion and the split still does not
    /// depend on input order.
    /// </summary>
    public static DatasetSplits SplitStratified(IEnumerable<LabeledExample> examples, string seed, double devFraction, double testFraction)
    {
        RequireFractions(devFraction, testFraction);
        var train = new List<LabeledExample>();
        var dev = new List<LabeledExample>();
        var test = new List<LabeledExample>();
        foreach (var byLabel in examples.GroupBy(e => e.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ordered = byLabel.OrderBy(e => UnitInterval(seed + "\n" + (e.Group ?? e.Text))).ThenBy(e => e.Text, StringComparer.Ordinal)
                .ToList();
            int testCount = (int)Math.Round(ordered.Count * testFraction), devCount = (int)Math.Round(ordered.Count * devFraction);
            test.AddRange(ordered.Take(testCount));
            dev.AddRange(ordered.Skip(testCount).Take(devCount));
            train.AddRange(ordered.Skip(testCount + devCount));
        }
        return new DatasetSplits(train, dev, test);
    }

    /// <summary>
    /// Cross-validation folds by the same rule: each group lands in fold ⌊k·position⌋ of a hash of the seed and the
    /// group, so a document is never divided between folds and the folds do not depend on input order.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<LabeledExample>> Folds(IEnumerable<LabeledExample> examples, int folds, string seed)
    {
        if (folds < 2) throw new ArgumentException($"Cross-validation needs at least 2 folds (got {folds}).");
        var assigned = Enumerable.Range(0, folds).Select(_ => new List<LabeledExample>()).ToArray();
        foreach (LabeledExample example in examples)
            assigned[Math.Min(folds - 1, (int)(UnitInterval(seed + "\n" + (example.Group ?? example.Text)) * folds))].Add(example);
        return assigned;
    }

    private static void RequireFractions(double devFraction, double testFraction)
    {
        if (devFraction < 0 || testFraction < 0 || devFraction + testFraction >= 1)
            throw new ArgumentException($"Dev ({devFraction}) and test ({testFraction}) fractions must be non-negative and leave room " +
                $"for training.");
    }

    private static double UnitInterval(string key)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue;
    }
}
