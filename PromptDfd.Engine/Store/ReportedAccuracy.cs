namespace PromptDfd.Engine.Store;

/// <summary>
/// The one accuracy a run reports wherever a single number is shown (console, runs table, exports, dashboard, results
/// table): the mean of its last evaluations after step 0. Not the best evaluation: picking the best of many evaluations
/// on the evaluation split chooses on it. A single evaluation of a student trained on synthetic text swings by several
/// points, hence the mean.
/// </summary>
public static class ReportedAccuracy
{
    public const int Evaluations = 3;

    /// <param name="accuracies">a run's student accuracy evaluations in step order</param>
    public static double? Of(IEnumerable<MetricPoint> accuracies)
    {
        var last = accuracies.Where(m => m.Step > 0).TakeLast(Evaluations).ToList();
        return last.Count == 0 ? null : last.Average(m => m.Value);
    }

    public const string Description = "mean of the last 3 evaluations";
}
