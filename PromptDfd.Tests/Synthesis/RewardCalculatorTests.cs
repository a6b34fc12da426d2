using PromptDfd.Engine.Synthesis;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Synthesis;

public class RewardCalculatorTests
{
    private static RewardBreakdown Score(RewardCalculator calculator, float[] teacher, float[] student, int[] classes, double[] policy, double[] reference, string[] prompts) =>
        calculator.Score(tensor(teacher, [classes.Length, 2]), tensor(student, [classes.Length, 2]), classes, policy, reference, prompts);

    [Fact]
    public void RelevanceRewardsSamplesTheTeacherAssignsToTheirClass()
    {
        var rewards = Score(new RewardCalculator(new RewardConfig()), [4, 0, 0, 4], [0, 0, 0, 0], [0, 0], [0, 0], [0, 0], ["a", "b"]);
        Assert.True(rewards.Relevance[0] > -0.05);        // teacher is sure it is class 0: log p ≈ 0
        Assert.True(rewards.Relevance[1] < -3.9);         // teacher says class 1: log p ≈ -4
    }

    [Fact]
    public void HardnessIsTheTeacherStudentDivergenceAndZeroWhenTheyAgree()
    {
        var rewards = Score(new RewardCalculator(new RewardConfig()), [3, 0, 3, 0], [3, 0, 0, 3], [0, 0], [0, 0], [0, 0], ["a", "b"]);
        Assert.Equal(0, rewards.Hardness[0], 6);
        Assert.True(rewards.Hardness[1] > 1);
    }

    [Fact]
    public void PlausibilityPenalisesPromptsThePolicyLikesMoreThanTheReference()
    {
        var config = new RewardConfig { Relevance = 0, Hardness = 0, Diversity = 0, Plausibility = 0.5 };
        var rewards = Score(new RewardCalculator(config), [0, 0, 0, 0], [0, 0, 0, 0], [0, 1], [-2, -10], [-10, -10], ["a", "b"]);
        Assert.Equal(-8, rewards.Plausibility[0], 6);
        Assert.Equal(0, rewards.Plausibility[1], 6);
        Assert.Equal(-4, rewards.Total[0], 6); // beta = 0.5 scales the term in the total
    }

    [Fact]
    public void DiversityPenalisesRepeatsInTheBatchAndInTheRecentWindow()
    {
        var config = new RewardConfig { Relevance = 0, Hardness = 0, Plausibility = 0, Diversity = 1, DiversityWindow = 4 };
        var calculator = new RewardCalculator(config);
        float[] zeros = new float[6];
        var first = calculator.Score(tensor(zeros, [3, 2]), tensor(zeros, [3, 2]), [0, 0, 1], [0, 0, 0], [0, 0, 0], ["same", "same", "new"]);
        Assert.Equal(-0.5, first.Diversity[0], 6);
        Assert.Equal(0, first.Diversity[2], 6);
        var second = calculator.Score(tensor(zeros, [3, 2]), tensor(zeros, [3, 2]), [0, 0, 1], [0, 0, 0], [0, 0, 0], ["same", "other", "fresh"]);
        Assert.True(second.Diversity[0] < 0);   // "same" is in the window twice
        Assert.Equal(0, second.Diversity[2], 6);
    }

    [Fact]
    public void NegativeWeightsAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new RewardConfig { Hardness = -1 }.Validate());
        Assert.Contains("Hardness", error.Message);
    }
}
