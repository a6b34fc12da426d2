namespace PromptDfd.Web.Components.Charts;

/// <summary>One line of a chart and the points it starts with; <see cref="Unit"/> titles its own axis when scales are split.</summary>
public sealed record ChartSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Unit = "");

/// <summary>A new point for the series at <paramref name="Series"/>.</summary>
public readonly record struct ChartPoint(int Series, double X, double Y);
