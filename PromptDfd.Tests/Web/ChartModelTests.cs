using Plotly.Blazor;
using Plotly.Blazor.Traces;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Components.Charts;

namespace PromptDfd.Tests.Web;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class ChartModelTests
{
    private static ChartModel TwoSeries() => new(
    [
        new ChartSeries("reward/total", [0, 1, 2], [1, 3, 5], "reward"),
        new ChartSeries("prompter/kl", [0, 1, 2], [100, 200, 300], "nats"),
    ], "mean reward");

    private static IReadOnlyList<double> Ys(ITrace trace) => ((Scatter)trace).Y.Select(Convert.ToDouble).ToList();

    [Fact]
    public void SmoothingDividesOutTheStartUpBiasSoAConstantStaysConstant()
    {
        var smoother = new ExponentialSmoother();
        Assert.All(Enumerable.Range(0, 20).Select(_ => smoother.Next(4.0, 0.9)), value => Assert.Equal(4.0, value, 9));
        smoother.Reset();
        Assert.Equal(7.0, smoother.Next(7.0, 0.99), 9);
        Assert.Equal(3.0, new ExponentialSmoother().Next(3.0, 0), 9);
    }

    [Fact]
    public void ASmoothedChartDrawsAFaintRawLineAndASmoothedOneAndAppendsToBoth()
    {
        var model = TwoSeries();
        model.Options = new ChartDisplay(Smoothing: 0.5);
        var traces = model.Traces();
        Assert.Equal(4, traces.Count);
        Assert.Equal([1, 3, 5], Ys(traces[0]));
        // Debiased EMA with weight 0.5: 1, (0.5*0.5+0.5*3)/0.75, ...
        Assert.Equal(1.0, Ys(traces[1])[0], 9);
        Assert.Equal(2.0 + 1.0 / 3, Ys(traces[1])[1], 9);

        var appended = model.Append([new ChartPoint(1, 3, 400)]);
        Assert.Equal([2, 3], appended.Select(a => a.Trace));
        Assert.Equal([400.0], appended[0].Y);
        double expected = Ys(model.Traces()[3])[3];
        Assert.Equal(expected, appended[1].Y[0], 9);
    }

    [Fact]
    public void AHiddenSeriesGainsNoTraceButKeepsItsPointsAndTheLastSeriesCannotBeHidden()
    {
        var model = TwoSeries();
        model.SetVisible(0, false);
        model.SetVisible(1, false);
        Assert.True(model.IsVisible(1));
        Assert.Single(model.Traces());
        var appended = model.Append([new ChartPoint(0, 3, 7), new ChartPoint(1, 3, 400)]);
        Assert.Equal(0, Assert.Single(appended).Trace);
        Assert.Equal([400.0], appended[0].Y);
        model.SetVisible(0, true);
        Assert.Equal([1, 3, 5, 7], Ys(model.Traces()[0]));
    }

    [Fact]
    public void SplitScalesGiveEachSeriesItsOwnRowTitledWithItsUnitAndLogYAppliesToEveryRow()
    {
        var model = TwoSeries();
        model.Options = new ChartDisplay(LogY: true, Split: true);
        var axes = model.YAxes();
        Assert.Equal(2, axes.Count);
        Assert.Equal(["total (reward)", "kl (nats)"], axes.Select(a => a.Title.Text));
        Assert.Equal("y2", model.BottomAxis);
        Assert.True(Convert.ToDouble(axes[0].Domain[0]) >= Convert.ToDouble(axes[1].Domain[1]));
        Assert.All(axes, a => Assert.Equal(Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log, a.Type));
        Assert.Equal(["y", "y2"], model.Traces().Select(t => ((Scatter)t).YAxis));

        model.Options = new ChartDisplay();
        Assert.Equal("mean reward", Assert.Single(model.YAxes()).Title.Text);
    }

    [Fact]
    public void MarkersAtOneStepBecomeOneMarkerWhoseHoverListsEachChangeAsText()
    {
        var model = TwoSeries();
        model.AddMarkers([new MarkerNote(2, "pin [positive] \"<b>great</b>\""), new MarkerNote(2, "ban [negative] \"dull\""),
            new MarkerNote(5, "add [positive] \"fine\"")]);
        Assert.Equal([2.0, 5.0], model.Markers.Select(m => m.X));
        var hover = (Scatter)model.Traces().Last();
        Assert.Equal(2, hover.X.Count);
        string text = hover.HoverTextArray[0];
        Assert.Contains("&lt;b&gt;great&lt;/b&gt;", text);
        Assert.Contains("<br>ban [negative]", text);
        // The markers' hover points sit on their own hidden axis, so they never stretch the data's scale.
        Assert.Equal("y2", hover.YAxis);
        Assert.False(model.YAxes()[1].Visible);
    }

    [Fact]
    public void TheCsvHoldsEveryRawPointWithTheAxisNameAndQuotedLabels()
    {
        var model = new ChartModel([new ChartSeries("run a, seed 1", [0, 1.5], [0.25, 1e-7])]);
        Assert.Equal("series,samples seen,value\n\"run a, seed 1\",0,0.25\n\"run a, seed 1\",1.5,1E-07\n", model.ToCsv("samples seen"));
    }

    [Fact]
    public void ASeriesWithASpreadGetsABandAfterEveryLineSoAppendsKeepTheirTraceIndices()
    {
        var model = new ChartModel([new ChartSeries("group a", [0, 1], [0.5, 0.7], Spread: [0.1, 0.2]), new ChartSeries("group b", [0, 1],
            [0.4, 0.4])]);
        var traces = model.Traces().Cast<Scatter>().ToList();
        Assert.Equal(["group a", "group b", "group a + sd", "group a − sd"], traces.Select(t => t.Name));
        Assert.Equal([0.6, 0.9], Ys(traces[2]).Select(y => Math.Round(y, 9)));
        Assert.Equal([0.4, 0.5], Ys(traces[3]).Select(y => Math.Round(y, 9)));
        Assert.Equal(Plotly.Blazor.Traces.ScatterLib.FillEnum.ToNextY, traces[3].Fill);
        Assert.Equal(1, model.Append([new ChartPoint(1, 2, 0.3)]).Single().Trace);
    }

    [Fact]
    public void AShareBandStaysBetweenZeroAndOneWhileOtherBandsDoNot()
    {
        var model = new ChartModel([new ChartSeries("accuracy", [0, 1], [0.75, 0.1], ChartSeries.FractionUnit, Spread: [0.45, 0.3]),
            new ChartSeries("loss", [0, 1], [0.2, 0.1], "nats", Spread: [0.3, 0.3])]);
        var traces = model.Traces().Cast<Scatter>().ToList();
        Assert.Equal([1, 0.4], Ys(traces[2]).Select(y => Math.Round(y, 9)));
        Assert.Equal([0.3, 0], Ys(traces[3]).Select(y => Math.Round(y, 9)));
        Assert.Equal([-0.1, -0.2], Ys(traces[5]).Select(y => Math.Round(y, 9)));
    }

    [Fact]
    public void APanelsViewIsWrittenAsItsDifferencesFromItsStartAndReadBackIgnoringWhatItDoesNotKnow()
    {
        var start = new ChartDisplay(Split: true);
        var model = TwoSeries();
        model.ApplyViewState(null, start);
        Assert.Equal("", model.ViewState(start));
        model.Options = new ChartDisplay(Smoothing: 0.95, LogY: true, Split: false);
        model.SetVisible(1, false);
        string view = model.ViewState(start);
        Assert.Equal("s0.95,log,nosplit,-prompter/kl", view);

        var restored = TwoSeries();
        restored.ApplyViewState(view + ",-no/such/metric,s7,bogus", start);
        Assert.Equal(model.Options, restored.Options);
        Assert.False(restored.IsVisible(1));
        Assert.Equal(view, restored.ViewState(start));
    }
}
