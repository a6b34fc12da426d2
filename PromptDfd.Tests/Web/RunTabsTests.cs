using PromptDfd.Tests.Support;
using PromptDfd.Web.Components.Runs;

namespace PromptDfd.Tests.Web;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class RunTabsTests
{
    [Theory]
    [InlineData(null, 0)]
    [InlineData("samples", 1)]
    [InlineData("config", 4)]
    [InlineData("no-such-tab", 0)]
    public void ALinkOpensTheTabItNamesOrTheFirst(string? name, int expected) => Assert.Equal(expected, RunTabs.IndexOf(name));

    [Fact]
    public void SelectingATabPutsItsNameInTheLinkAndTheFirstTabNone()
    {
        Assert.True(RunTabs.TryLinkValue(2, out string? prompts));
        Assert.Equal("prompts", prompts);
        Assert.True(RunTabs.TryLinkValue(0, out string? first));
        Assert.Null(first);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    public void AnIndexReportedWhileTabsAreDisposedChangesNothing(int index) => Assert.False(RunTabs.TryLinkValue(index, out _));
}
