using PromptDfd.Engine.Metrics;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Metrics;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class ClassificationMetricsTests
{
    [Fact]
    public void AccuracyAndMacroF1MatchHandComputedValues()
    {
        int[] actual = [0, 0, 0, 1, 1, 2];
        int[] predicted = [0, 0, 1, 1, 2, 2];
        var scores = ClassificationMetrics.Score(predicted, actual, 3);
        Assert.Equal(4 / 6.0, scores.Accuracy, 6);
        // F1: class 0 = 2*2/(3+2) = 0.8, class 1 = 2*1/(2+2) = 0.5, class 2 = 2*1/(1+2) = 0.667
        Assert.Equal((0.8 + 0.5 + 2 / 3.0) / 3, scores.MacroF1, 6);
        Assert.Equal(5 / 6.0, ClassificationMetrics.Agreement(predicted, [0, 0, 1, 1, 2, 0]), 6);
    }

    [Fact]
    public void NaiveBayesLearnsWordEvidence()
    {
        var training = new[] { ("good great fine", 1), ("great fun good", 1), ("bad awful poor", 0), ("poor bad boring", 0) };
        var model = new NaiveBayesBaseline(training, 2);
        Assert.Equal(1, model.Predict("a great good movie"));
        Assert.Equal(0, model.Predict("awful and boring"));
    }
}

public class SynthesisMetricsTests
{
    [Fact]
    public void DistinctNCountsRepeatedNGrams()
    {
        Assert.Equal(1.0, SynthesisMetrics.DistinctN(["a b c", "d e f"], 1));
        Assert.Equal(0.5, SynthesisMetrics.DistinctN(["a b", "a b"], 2));
        Assert.Equal(2 / 6.0, SynthesisMetrics.DistinctN(["the cat the", "cat the cat"], 1), 6);
    }

    [Fact]
    public void SelfBleuIsOneForIdenticalTextsAndLowForUnrelatedOnes()
    {
        string text = "the committee said the economy is growing quickly this year";
        Assert.Equal(1.0, SynthesisMetrics.SelfBleu([text, text, text]), 6);
        double unrelated = SynthesisMetrics.SelfBleu(["whales swim in cold oceans far away", "my printer jammed again this morning",
            "prices of grain rose in march"]);
        Assert.True(unrelated < 0.2, unrelated.ToString());
        double related = SynthesisMetrics.SelfBleu([text, "the committee said the economy is growing slowly this year"]);
        Assert.True(related > 0.5 && related < 1, related.ToString());
    }
}
