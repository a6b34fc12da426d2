using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Web.Components.Charts;

namespace PromptDfd.Web.Components.Runs;

/// <summary>Which metrics the Run page charts, grouped per chart.</summary>
public sealed record ChartDefinition(string Id, string Title, IReadOnlyList<string> Metrics, bool ShowMarkers = false);

public static class RunCharts
{
    public static IReadOnlyList<ChartDefinition> For(IReadOnlyList<string> labels) =>
    [
        new("chart-accuracy", "Accuracy on the real evaluation split", ["student/accuracy", "teacher/accuracy", "student/agreement", "student/macro_f1"], true),
        new("chart-reward", "Reward (total and per term)", ["reward/total", "reward/relevance", "reward/hardness", "reward/plausibility", "reward/diversity"], true),
        new("chart-reward-class", "Reward per class", labels.Select(l => $"reward/class/{l}").ToList(), true),
        new("chart-steering", "Steering: the teacher's probability of the intended class, agreement with it, artifact share",
            [SteeringSignals.IntendedProbability, SteeringSignals.IntendedAgreement, SteeringSignals.ArtifactShare], true),
        new("chart-steering-class", "Agreement with the intended class, per class", labels.Select(l => $"{SteeringSignals.IntendedAgreement}/class/{l}").ToList(), true),
        new("chart-kd", "Student KD loss", ["student/kd_loss"]),
        new("chart-prompter", "Prompter entropy, KL to the reference and plausibility β", ["prompter/entropy", "prompter/kl_to_reference", "prompter/plausibility_weight"], true),
        new("chart-synthesis", "Synthetic samples", ["synthesis/teacher_confidence", "synthesis/class_balance", "synthesis/distinct_2", "synthesis/self_bleu"]),
    ];

    public static double X(MetricPoint point, bool bySamples) => bySamples ? point.SamplesSeen : point.Step;

    public static ChartSeries Series(string metric, IEnumerable<MetricPoint> points, bool bySamples)
    {
        var list = points.ToList();
        return new ChartSeries(metric, list.Select(p => X(p, bySamples)).ToList(), list.Select(p => p.Value).ToList());
    }
}
