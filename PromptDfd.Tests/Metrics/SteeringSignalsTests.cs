using PromptDfd.Engine.Metrics;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Metrics;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class SteeringSignalsTests
{
    [Theory]
    [InlineData("ARUNUNAL SUNEFH", " and then it rained.", true)]
    [InlineData("It was great.", " THE PRODUCT BROKE AFTER A DAY", true)]
    [InlineData("It was great.", " The TV broke after a day.", false)]
    [InlineData("I", " OK", false)]
    [InlineData("", "", false)]
    public void ASampleIsAnArtifactWhenItsPromptOrContentIsMostlyUpperCase(string prompt, string content, bool artifact) =>
        Assert.Equal(artifact, SteeringSignals.IsArtifact(prompt, content));
}
