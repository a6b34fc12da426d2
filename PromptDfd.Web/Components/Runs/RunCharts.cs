using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Web.Components.Charts;

namespace PromptDfd.Web.Components.Runs;

/// <summary>Which metrics the Run page charts, grouped per chart.</summary>
public sealed record ChartDefinition(string Id, string Title, IReadOnlyList<string> Metrics, bool ShowMarkers = false);

public static class RunCharts
{
    /// <summary>The charts that apply to a method: reward and prompter curves only where there is a prompter.</summary>
    public static IReadOnlyList<ChartDefinition> For(IReadOnlyList<string> labels, SynthesisMethod method) =>
        All(labels).Where(c => (method.HasPrompter() || !PrompterCharts.Contains(c.Id))
            && (method.HasIntendedClass() || !IntendedClassCharts.Contains(c.Id))).ToList();

    private static readonly string[] PrompterCharts = ["chart-reward", "chart-reward-class", "chart-prompter"];
    private static readonly string[] IntendedClassCharts = ["chart-steering", "chart-steering-class"];

    public static IReadOnlyList<ChartDefinition> All(IReadOnlyList<string> labels) =>
    [
        new("chart-accuracy", "Accuracy on the real evaluation split", [MetricNames.StudentAccuracy, MetricNames.TeacherAccuracy,
            MetricNames.StudentAgreement, MetricNames.StudentMacroF1], true),
        new("chart-reward", "Reward (total and per term)", [MetricNames.RewardTotal, MetricNames.RewardRelevance,
            MetricNames.RewardHardness, MetricNames.RewardPlausibility, MetricNames.RewardDiversity], true),
        new("chart-reward-class", "Reward per class", labels.Select(MetricNames.RewardOfClass).ToList(), true),
        new("chart-steering", "Steering: the teacher's probability of the intended class, agreement with it, artifact share",
            [MetricNames.IntendedProbability, MetricNames.IntendedAgreement, MetricNames.ArtifactShare], true),
        new("chart-steering-class", "Agreement with the intended class, per class",
            labels.Select(l => MetricNames.OfClass(MetricNames.IntendedAgreement, l)).ToList(), true),
        new("chart-kd", "Student KD loss", [MetricNames.StudentKdLoss]),
        new("chart-prompter", "Prompter entropy, KL to the reference and plausibility β",
            [MetricNames.PrompterEntropy, MetricNames.PrompterKlToReference, MetricNames.PrompterPlausibilityWeight], true),
        new("chart-synthesis", "Synthetic samples", [MetricNames.TeacherConfidence, MetricNames.ClassBalance, MetricNames.Distinct2,
            MetricNames.SelfBleu]),
    ];

    public static double X(MetricPoint point, bool bySamples) => bySamples ? point.SamplesSeen : point.Step;

    public static ChartSeries Series(string metric, IEnumerable<MetricPoint> points, bool bySamples)
    {
        var list = points.ToList();
        return new ChartSeries(metric, list.Select(p => X(p, bySamples)).ToList(), list.Select(p => p.Value).ToList());
    }
}
