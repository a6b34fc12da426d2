namespace PromptDfd.Web.Components.Charts;

/// <summary>
/// One line of a chart and the points it starts with; <see cref="Unit"/> titles its own axis when scales are split, and
/// <see cref="Spread"/> (one value per point, such as a standard deviation over seeds) is drawn as a band around the line.
/// </summary>
public sealed record ChartSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Unit = "",
    IReadOnlyList<double>? Spread = null)
{
    /// <summary>The unit of shares (accuracy, agreement, balance): their spread band stays between 0 and 1.</summary>
    public const string FractionUnit = "0–1";
}

/// <summary>A new point for the series at <paramref name="Series"/>.</summary>
public readonly record struct ChartPoint(int Series, double X, double Y);
