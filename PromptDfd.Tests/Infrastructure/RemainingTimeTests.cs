using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Infrastructure;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class RemainingTimeTests
{
    [Theory]
    [InlineData(0, "00:00")]
    [InlineData(75, "01:15")]
    [InlineData(3599.4, "59:59")]
    [InlineData(3600 + 18 * 60 + 5, "1:18:05")] // read as "18:05" before: the hour vanished
    [InlineData(27 * 3600, "27:00:00")]
    public void ARemainingTimeKeepsItsHours(double seconds, string expected) =>
        Assert.Equal(expected, RemainingTime.Format(seconds));

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1)]
    public void ATimeThatCannotBeEstimatedSaysSo(double seconds) => Assert.Equal("unknown", RemainingTime.Format(seconds));
}
