using System.Globalization;
using PromptDfd.Engine.Store;
using PromptDfd.Web.Components.Charts;

namespace PromptDfd.Web.Components.Runs;

/// <summary>Runs that share a value of the key Compare groups by (all runs of one method, say), and how the group is named.</summary>
public sealed record RunGroup(string Label, IReadOnlyList<RunRecord> Runs);

/// <summary>
/// Compare's grouping: runs grouped by any config key, each group drawn as the mean of its runs with a band of one standard
/// deviation, so seeds read as a spread instead of a tangle of lines.
/// </summary>
public static class RunGroups
{
    // Keys that name a run rather than configure it: grouping or plotting by them says nothing.
    private static readonly HashSet<string> Identity = ["Name", "Tags"];

    /// <summary>Config keys whose values differ between the runs: the ones worth grouping by or plotting against.</summary>
    public static IReadOnlyList<string> DifferingKeys(IReadOnlyList<RunRecord> runs)
    {
        var configs = runs.Select(r => r.ConfigValues).ToList();
        return configs.SelectMany(c => c.Keys).Distinct().Order(StringComparer.Ordinal)
            .Where(k => !Identity.Contains(k) && !k.StartsWith("Tags", StringComparison.Ordinal))
            .Where(k => configs.Select(c => c.GetValueOrDefault(k)).Distinct().Count() > 1).ToList();
    }

    /// <summary>One group per value of <paramref name="key"/> (in order of first appearance), or one per run when it is empty.</summary>
    public static IReadOnlyList<RunGroup> By(IReadOnlyList<RunRecord> runs, string? key, IReadOnlyDictionary<string, string> runLabels)
    {
        if (string.IsNullOrEmpty(key)) return runs.Select(r => new RunGroup(runLabels.GetValueOrDefault(r.Id) ?? r.Id, [r])).ToList();
        string shortKey = key[(key.LastIndexOf('.') + 1)..];
        return runs.GroupBy(r => r.ConfigValues.GetValueOrDefault(key) ?? "—")
            .Select(g => new RunGroup($"{shortKey}={g.Key} (n={g.Count()})", g.ToList())).ToList();
    }

    /// <summary>
    /// The mean of the runs' curves at each x any of them reached, with the sample standard deviation as the series' spread
    /// (0 where only one run has a point).
    /// </summary>
    public static ChartSeries MeanAndSpread(string label, IEnumerable<IReadOnlyList<MetricPoint>> curves, bool bySamples, string unit = "")
    {
        var byX = curves.SelectMany(c => c).GroupBy(p => RunCharts.X(p, bySamples)).OrderBy(g => g.Key).ToList();
        var means = new List<double>();
        var spreads = new List<double>();
        foreach (var values in byX.Select(g => g.Select(p => p.Value).ToList()))
        {
            double mean = values.Average();
            means.Add(mean);
            spreads.Add(values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)));
        }
        return new ChartSeries(label, byX.Select(g => g.Key).ToList(), means, unit, spreads);
    }

    /// <summary>A config value as a number where it is one (parallel coordinates draw numbers on a scale, text as categories).</summary>
    public static double? AsNumber(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number) ? number
            : value is "true" or "True" ? 1 : value is "false" or "False" ? 0 : null;
}
