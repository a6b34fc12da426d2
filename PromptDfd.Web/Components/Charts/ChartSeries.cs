namespace PromptDfd.Web.Components.Charts;

/// <summary>One line of a chart and the points it starts with.</summary>
public sealed record ChartSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>A new point for the series at <paramref name="Series"/>.</summary>
public readonly record struct ChartPoint(int Series, double X, double Y);
