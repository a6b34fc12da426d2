using PromptDfd.Engine.Method;
using PromptDfd.Engine.Prompter;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Synthesis;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class RewardCalculatorTests
{
    private static RewardBreakdown Score(RewardCalculator calculator, float[] teacher, float[] student, int[] classes, double[] policy,
        double[] reference, string[] prompts) =>
        calculator.Score(tensor(teacher, [classes.Length, 2]), tensor(student, [classes.Length, 2]), classes, policy, reference, prompts);

    [Fact]
    public void RelevanceRewardsSamplesTheTeacherAssignsToTheirClass()
    {
        var rewards = Score(new RewardCalculator(new RewardConfig()), [4, 0, 0, 4], [0, 0, 0, 0], [0, 0], [0, 0], [0, 0], ["a", "b"]);
        Assert.True(rewards.Relevance[0] > -0.05);        // teacher is sure it is class 0: log p ≈ 0
        Assert.True(rewards.Relevance[1] < -3.9);         // teacher says class 1: log p ≈ -4
    }

    [Fact]
    public void RelevanceIsTheLowestReadingSoACaseTrickEarnsNothingTheWordsDoNot()
    {
        // Row 0: the teacher is sure of class 0 on the content as written but not once it is lower-cased (an upper-case artifact).
        var asWritten = tensor(new float[] { 6, 0, 3, 0 }, [2, 2]);
        var lowerCased = tensor(new float[] { 0, 0, 3, 0 }, [2, 2]);
        var rewards = new RewardCalculator(new RewardConfig()).Score(tensor(new float[] { 9, 0, 9, 0 }, [2, 2]), zeros(2, 2), [0, 0],
            [0, 0], [0, 0], ["a", "b"], [asWritten, lowerCased]);
        Assert.Equal(Math.Log(0.5), rewards.Relevance[0], 5);
        Assert.Equal(-Math.Log(1 + Math.Exp(-3)), rewards.Relevance[1], 5);
    }

    [Fact]
    public void HardnessIsTheLowestDivergenceOverTheFormsOfASample()
    {
        // Row 0: teacher and student disagree on the sample as written (upper case) but agree once it is lower-cased.
        var rewards = new RewardCalculator(new RewardConfig()).Score(tensor(new float[] { 5, 0, 3, 0 }, [2, 2]),
            tensor(new float[] { 0, 5, 0, 3 }, [2, 2]), [0, 0], [0, 0], [0, 0], ["a", "b"],
            otherHardnessReadings: [(tensor(new float[] { 1, 0, 3, 0 }, [2, 2]), tensor(new float[] { 1, 0, 0, 3 }, [2, 2]))]);
        Assert.Equal(0, rewards.Hardness[0], 6);
        Assert.True(rewards.Hardness[1] > 1);
    }

    [Fact]
    public void RelevanceIsBoundedBelowAtTheFloor()
    {
        var rewards = Score(new RewardCalculator(new RewardConfig { RelevanceFloor = -2 }), [0, 20, 0, 1], [0, 0, 0, 0], [0, 0], [0, 0],
            [0, 0], ["a", "b"]);
        Assert.Equal(-2, rewards.Relevance[0], 6);
        Assert.Equal(-Math.Log(1 + Math.E), rewards.Relevance[1], 5);
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
    public void KlBudgetRaisesBetaWhilePromptsDriftPastItAndLowersItWhileTheyStayInside()
    {
        var config = new RewardConfig
        {
            Relevance = 0,
            Hardness = 0,
            Diversity = 0,
            Plausibility = 0.2,
            PlausibilityTargetKl = 4,
            PlausibilityAdaptRate = 0.1
        };
        var calculator = new RewardCalculator(config);
        float[] zeros = new float[4];
        // KL 12 is three times the budget: the error is clipped to +0.2, so beta grows by 2 %.
        var drifted = calculator.Score(tensor(zeros, [2, 2]), tensor(zeros, [2, 2]), [0, 1], [-2, -2], [-14, -14], ["a", "b"]);
        Assert.Equal(-0.2 * 12, drifted.Total[0], 6); // this batch is scored with the beta it started with
        Assert.Equal(0.2 * 1.02, calculator.PlausibilityWeight, 9);
        // KL 3 is a quarter under the budget: the error -0.25 is clipped to -0.2, so beta shrinks by 2 %.
        var inside = calculator.Score(tensor(zeros, [2, 2]), tensor(zeros, [2, 2]), [0, 1], [-2, -2], [-5, -5], ["a", "b"]);
        Assert.Equal(-0.2 * 1.02 * 3, inside.Total[0], 6);
        Assert.Equal(0.2 * 1.02 * (1 - 0.1 * 0.2), calculator.PlausibilityWeight, 9);
        // Exactly on budget: beta holds.
        calculator.Score(tensor(zeros, [2, 2]), tensor(zeros, [2, 2]), [0, 1], [-1, -1], [-5, -5], ["a", "b"]);
        Assert.Equal(0.2 * 1.02 * 0.98, calculator.PlausibilityWeight, 9);
    }

    [Fact]
    public void WithoutAKlBudgetBetaNeverMoves()
    {
        var calculator = new RewardCalculator(new RewardConfig { Plausibility = 0.2 });
        float[] zeros = new float[4];
        for (int i = 0; i < 3; i++)
            calculator.Score(tensor(zeros, [2, 2]), tensor(zeros, [2, 2]), [0, 1], [-1, -1], [-30, -30], [$"a{i}", $"b{i}"]);
        Assert.Equal(0.2, calculator.PlausibilityWeight);
    }

    [Fact]
    public void DiversityPenalisesRepeatsInTheBatchAndInTheRecentWindow()
    {
        var config = new RewardConfig { Relevance = 0, Hardness = 0, Plausibility = 0, Diversity = 1, DiversityWindow = 4 };
        var calculator = new RewardCalculator(config);
        float[] zeros = new float[6];
        var first = calculator.Score(tensor(zeros, [3, 2]), tensor(zeros, [3, 2]), [0, 0, 1], [0, 0, 0], [0, 0, 0],
            ["same", "same", "new"]);
        Assert.Equal(-0.5, first.Diversity[0], 6);
        Assert.Equal(0, first.Diversity[2], 6);
        var second = calculator.Score(tensor(zeros, [3, 2]), tensor(zeros, [3, 2]), [0, 0, 1], [0, 0, 0], [0, 0, 0],
            ["same", "other", "fresh"]);
        Assert.True(second.Diversity[0] < 0);   // "same" is in the window twice
        Assert.Equal(0, second.Diversity[2], 6);
    }

    [Fact]
    public void NegativeWeightsAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new RewardConfig { Hardness = -1 }.Validate());
        Assert.Contains("Hardness", error.Message);
    }

    [Theory]
    [InlineData(-1, 0.1, "PlausibilityTargetKl")]
    [InlineData(4, 0, "PlausibilityAdaptRate")]
    [InlineData(4, 2, "PlausibilityAdaptRate")]
    public void AnInvalidKlBudgetIsRejectedWithTheOptionNamed(double target, double rate, string option)
    {
        var error = Assert.Throws<ArgumentException>(() => new RewardConfig
        {
            PlausibilityTargetKl = target,
            PlausibilityAdaptRate = rate
        }.Validate());
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void ADamagedSavedBetaIsRefused()
    {
        var calculator = new RewardCalculator(new RewardConfig());
        var error = Assert.Throws<InvalidDataException>(() => calculator.RestorePlausibilityWeight(double.NaN));
        Assert.Contains("checkpoint", error.Message);
        Assert.Equal(0.2, calculator.PlausibilityWeight);
    }
}
