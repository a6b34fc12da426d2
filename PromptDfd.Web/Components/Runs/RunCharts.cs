using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Web.Components.Charts;

namespace PromptDfd.Web.Components.Runs;

/// <summary>
/// Which metrics one panel of the Run page charts, the y axis's title with its unit, and whether its series start on split
/// scales (where one would flatten the others, such as KL beside entropy).
/// </summary>
public sealed record ChartDefinition(string Id, string Title, IReadOnlyList<string> Metrics, bool ShowMarkers = false, string YTitle = "",
    bool SplitScales = false);

public static class RunCharts
{
    private const string Fraction = "fraction (0–1)";

    /// <summary>The charts that apply to a method: reward and prompter curves only where there is a prompter.</summary>
    public static IReadOnlyList<ChartDefinition> For(IReadOnlyList<string> labels, SynthesisMethod method) =>
        All(labels).Where(c => (method.HasPrompter() || !PrompterCharts.Contains(c.Id))
            && (method.HasIntendedClass() || !IntendedClassCharts.Contains(c.Id))).ToList();

    private static readonly string[] PrompterCharts = ["chart-reward", "chart-reward-class", "chart-prompter"];
    private static readonly string[] IntendedClassCharts = ["chart-steering", "chart-steering-class"];

    public static IReadOnlyList<ChartDefinition> All(IReadOnlyList<string> labels) =>
    [
        new("chart-accuracy", "Accuracy on the real evaluation split", [MetricNames.StudentAccuracy, MetricNames.TeacherAccuracy,
            MetricNames.StudentAgreement, MetricNames.StudentMacroF1], true, Fraction),
        new("chart-reward", "Reward (total and per term)", [MetricNames.RewardTotal, MetricNames.RewardRelevance,
            MetricNames.RewardHardness, MetricNames.RewardPlausibility, MetricNames.RewardDiversity], true, "mean reward per sample",
            SplitScales: true),
        new("chart-reward-class", "Reward per class", labels.Select(MetricNames.RewardOfClass).ToList(), true, "mean reward per sample"),
        new("chart-steering", "Steering: the teacher's probability of the intended class, agreement with it, artifact share",
            [MetricNames.IntendedProbability, MetricNames.IntendedAgreement, MetricNames.ArtifactShare], true, Fraction),
        new("chart-steering-class", "Agreement with the intended class, per class",
            labels.Select(l => MetricNames.OfClass(MetricNames.IntendedAgreement, l)).ToList(), true, Fraction),
        new("chart-kd", "Student KD loss", [MetricNames.StudentKdLoss], YTitle: "KL divergence (nats)"),
        new("chart-prompter", "Prompter entropy, KL to the reference and plausibility β",
            [MetricNames.PrompterEntropy, MetricNames.PrompterKlToReference, MetricNames.PrompterPlausibilityWeight], true, "nats; β",
            SplitScales: true),
        new("chart-synthesis", "Synthetic samples", [MetricNames.TeacherConfidence, MetricNames.ClassBalance, MetricNames.Distinct2,
            MetricNames.SelfBleu], YTitle: Fraction),
        new("chart-throughput", "Throughput", [MetricNames.SamplesPerSecond], YTitle: "samples per second"),
        new("chart-phases", "Time per step by phase", [MetricNames.SynthesisSeconds, MetricNames.RewardsAndPrompterSeconds,
            MetricNames.StudentSeconds], YTitle: "seconds"),
        new("chart-process", "Process memory and CPU", [MetricNames.ProcessMemoryMegabytes, MetricNames.ProcessCpuPercent],
            YTitle: "MB; % of one core", SplitScales: true),
    ];

    /// <summary>A run's summary metrics, as Compare and the Runs table list them (the student's accuracy first).</summary>
    public static readonly IReadOnlyList<string> FinalMetrics = [MetricNames.StudentAccuracy, MetricNames.StudentMacroF1,
        MetricNames.StudentAgreement, MetricNames.TeacherAccuracy, MetricNames.TeacherConfidence, MetricNames.ClassBalance,
        MetricNames.Distinct2, MetricNames.SelfBleu, MetricNames.Perplexity];

    /// <summary>Shares of the evaluation split (accuracy, F1, agreement), which tables show as percentages like the accuracy
    /// columns.</summary>
    public static bool IsShownAsPercent(string metric) =>
        metric.Contains("accuracy", StringComparison.Ordinal) || metric.Contains("f1", StringComparison.Ordinal)
        || metric.Contains("agreement", StringComparison.Ordinal);

    /// <summary>The unit a metric is measured in, for its own axis when a panel splits its scales.</summary>
    public static string Unit(string metric) => metric switch
    {
        MetricNames.StudentKdLoss or MetricNames.PrompterEntropy or MetricNames.PrompterKlToReference => "nats",
        MetricNames.PrompterPlausibilityWeight => "weight",
        MetricNames.ProcessMemoryMegabytes => "MB",
        MetricNames.ProcessCpuPercent => "% of one core",
        MetricNames.SamplesPerSecond => "samples/s",
        MetricNames.Perplexity => "perplexity",
        _ when MetricNames.IsTiming(metric) => "s",
        _ when metric.StartsWith("reward/", StringComparison.Ordinal) => "reward",
        _ => ChartSeries.FractionUnit,
    };

    public static double X(MetricPoint point, bool bySamples) => bySamples ? point.SamplesSeen : point.Step;

    public static ChartSeries Series(string metric, IEnumerable<MetricPoint> points, bool bySamples)
    {
        var list = points.ToList();
        return new ChartSeries(metric, list.Select(p => X(p, bySamples)).ToList(), list.Select(p => p.Value).ToList(), Unit(metric));
    }
}
