using PromptDfd.Engine.Metrics;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Metrics;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class PairedComparisonTests
{
    [Theory]
    [InlineData(10, 0, 0.001953125)]          // 2 · 0.5^10
    [InlineData(3, 7, 0.34375)]               // 2 · (1 + 10 + 45 + 120) / 1024
    [InlineData(7, 3, 0.34375)]               // symmetric
    [InlineData(5, 5, 1.0)]
    [InlineData(0, 0, 1.0)]
    public void ExactMcNemarMatchesTheBinomialTail(int onlyFirst, int onlySecond, double expected) =>
        Assert.Equal(expected, PairedComparison.ExactMcNemar(onlyFirst, onlySecond), 9);

    [Fact]
    public void ManyDisagreementsDoNotUnderflow()
    {
        double p = PairedComparison.ExactMcNemar(600, 400);
        Assert.InRange(p, 1e-12, 1e-8);
        Assert.Equal(1.0, PairedComparison.ExactMcNemar(500, 500));
    }

    [Fact]
    public void CountsOnlyTheTextsWhereExactlyOneIsRight()
    {
        int[] actual = [0, 1, 2, 0, 1, 2];
        int[] first = [0, 1, 2, 1, 0, 0];   // right on 0, 1, 2
        int[] second = [0, 2, 0, 0, 1, 0];  // right on 0, 3, 4
        var comparison = PairedComparison.Of(first, second, actual);
        Assert.Equal((6, 2, 2), (comparison.Count, comparison.OnlyFirstRight, comparison.OnlySecondRight));
        Assert.Equal(1.0, comparison.PValue, 9);
        Assert.Throws<ArgumentException>(() => PairedComparison.Of(first, second.Take(5).ToList(), actual));
    }
}
