using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Components.Runs;

namespace PromptDfd.Tests.Web;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class RunGroupsTests
{
    private static RunRecord Run(string id, string preset, long seed) => new()
    {
        Id = id,
        ConfigJson = (RunPresets.Create(preset, "sentiment", seed) with { Name = $"run {id}" }).ToJson(),
    };

    private static List<MetricPoint> Curve(params double[] values) =>
        values.Select((v, step) => new MetricPoint { Name = "m", Step = step, SamplesSeen = step * 8, Value = v }).ToList();

    [Fact]
    public void RunsGroupByAConfigKeyAndTheNameNeverCountsAsADifference()
    {
        var runs = new[] { Run("a", "promptdfd", 1), Run("b", "promptdfd", 2), Run("c", "fixed-prompts", 1) };
        var keys = RunGroups.DifferingKeys(runs);
        Assert.Contains("Training.Method", keys);
        Assert.Contains("Training.Seed", keys);
        Assert.DoesNotContain("Name", keys);

        var groups = RunGroups.By(runs, "Training.Method", new Dictionary<string, string>());
        Assert.Equal(["Method=PromptDfd (n=2)", "Method=FixedPrompts (n=1)"], groups.Select(g => g.Label));
        Assert.Equal(["a", "b"], groups[0].Runs.Select(r => r.Id));
        Assert.Equal(["one", "two", "three"], RunGroups.By(runs, null, new Dictionary<string, string>
        {
            ["a"] = "one",
            ["b"] = "two",
            ["c"] = "three"
        }).Select(g => g.Label));
    }

    [Fact]
    public void AGroupIsTheMeanOfItsRunsWithTheSampleStandardDeviationAtEachStep()
    {
        var series = RunGroups.MeanAndSpread("g", [Curve(0.5, 0.6, 0.9), Curve(0.7, 0.8)], bySamples: false);
        Assert.Equal([0.0, 1, 2], series.X);
        Assert.Equal(0.6, series.Y[0], 9);
        Assert.Equal(0.7, series.Y[1], 9);
        Assert.Equal(0.9, series.Y[2], 9);
        Assert.Equal(Math.Sqrt(0.02), series.Spread![0], 9);
        Assert.Equal(0.0, series.Spread[2]);
        Assert.Equal([0.0, 8, 16], RunGroups.MeanAndSpread("g", [Curve(1, 2, 3)], bySamples: true).X);
    }

    [Theory]
    [InlineData("0.001", 0.001)]
    [InlineData("12", 12.0)]
    [InlineData("true", 1.0)]
    [InlineData("PromptDfd", null)]
    [InlineData("NaN", null)]
    public void ConfigValuesAreNumbersWhereTheyReadAsOne(string value, double? expected) => Assert.Equal(expected, RunGroups.AsNumber(value));
}
