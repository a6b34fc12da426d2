using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Synthesis;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class TopicPrompterTests
{
    private const int EndOfText = 298;

    private static TopicPrompter Prompter(PrompterConfig? config = null) =>
        new(TinyModels.LanguageModel(), classes: 2, EndOfText, config ?? new PrompterConfig
        {
            PromptLength = 4,
            PrefixLength = 2,
            LearningRate = 0.02
        });

    /// <summary>The tiny prior's N(0, 0.02) embeddings give nearly flat next-token logits; larger ones make context matter and let a short
    /// warm start take hold.</summary>
    private static Engine.Models.GptLanguageModel SharpPrior()
    {
        var prior = TinyModels.LanguageModel();
        using (no_grad()) prior.named_parameters().Single(p => p.name == "transformer.wte.weight").parameter.mul_(50);
        return prior;
    }

    [Fact]
    public void FixedLengthPromptsHaveKTokensNeverEndOfTextAndAreReproducible()
    {
        var prompter = Prompter(new PrompterConfig { PromptLength = 4, PrefixLength = 2, VariableLength = false });
        long[][] first = prompter.Sample([0, 1, 0, 1], new Generator(3));
        long[][] again = prompter.Sample([0, 1, 0, 1], new Generator(3));
        Assert.Equal(first, again);
        Assert.All(first, p => { Assert.Equal(4, p.Length); Assert.DoesNotContain(EndOfText, p); });
    }

    [Fact]
    public void AVariableLengthPromptNeverStartsWithEndOfTextAndIsPaddedWithItOnceEnded()
    {
        var prior = SharpPrior();
        var prompter = new TopicPrompter(prior, classes: 2, EndOfText, new PrompterConfig
        {
            PromptLength = 6,
            PrefixLength = 2,
            VariableLength = true
        });
        // Taught that class 0's prompt is two tokens long, the prompter ends it there.
        double loss = prompter.WarmStart([(0, [10, 20]), (1, [30, 40, 50, 60, 70, 80])], steps: 150, learningRate: 0.02);
        long[][] prompts = prompter.Sample(Enumerable.Repeat(0, 16).Concat(Enumerable.Repeat(1, 16)).ToList(), new Generator(5));
        Assert.All(prompts, p =>
        {
            Assert.Equal(6, p.Length);
            Assert.NotEqual(EndOfText, p[0]);
            int end = Array.IndexOf(p, (long)EndOfText);
            if (end > 0) Assert.All(p[end..], t => Assert.Equal(EndOfText, t));
        });
        int shortOnes = prompts.Take(16).Count(p => p.SequenceEqual([10, 20, EndOfText, EndOfText, EndOfText, EndOfText]));
        int longOnes = prompts.Skip(16).Count(p => p.SequenceEqual([30, 40, 50, 60, 70, 80]));
        Assert.True(shortOnes >= 12 && longOnes >= 12,
            $"{shortOnes} and {longOnes} of 16, loss {loss}: {string.Join(" / ", prompts.Select(p => string.Join(",", p)))}");
    }

    [Fact]
    public void TheSlotsAfterAPromptEndsCountForNothingInItsLogProbability()
    {
        var prompter = Prompter(new PrompterConfig { PromptLength = 4, PrefixLength = 2, VariableLength = true });
        using var noGrad = no_grad();
        float[] scores = prompter.Score([0, 0], [[10, EndOfText, EndOfText, EndOfText],
            [10, EndOfText, 99, 98]]).LogProbability.data<float>().ToArray();
        Assert.Equal(scores[0], scores[1], 5);
        float[] reference = TopicPrompter.ReferenceLogProbability(TinyModels.LanguageModel(),
            [[10, EndOfText, EndOfText, EndOfText], [10, EndOfText, 99, 98]], EndOfText, variableLength: true).data<float>().ToArray();
        Assert.Equal(reference[0], reference[1], 5);
    }

    [Fact]
    public void ReferencePromptsComeFromThePriorAloneWhateverTheClassPrefix()
    {
        var prior = SharpPrior();
        manual_seed(1);
        var first = new TopicPrompter(prior, 2, EndOfText, new PrompterConfig { PromptLength = 4, PrefixLength = 2 });
        manual_seed(2);
        var second = new TopicPrompter(prior, 2, EndOfText, new PrompterConfig { PromptLength = 4, PrefixLength = 2 });
        Assert.Equal(first.SampleReference(6, new Generator(9)), second.SampleReference(6, new Generator(9)));
        // The class-prefixed policy reads other context, so from the same draws it writes other prompts.
        Assert.NotEqual(first.SampleReference(6, new Generator(9)), first.Sample([0, 0, 0, 1, 1, 1], new Generator(9)));
    }

    [Fact]
    public void OnlyThePrefixTheLastBlockAndFinalNormAreTrained()
    {
        var prompter = Prompter();
        var trained = prompter.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Contains("class_prefix", trained);
        Assert.Contains(trained, n => n.StartsWith("lm.transformer.h.1."));
        Assert.DoesNotContain(trained, n => n.StartsWith("lm.transformer.h.0.") || n.Contains("wte"));
    }

    [Fact]
    public void AtInitialisationThePolicyIsCloseToTheReferencePrior()
    {
        var prior = TinyModels.LanguageModel();
        var prompter = new TopicPrompter(prior, 2, EndOfText, new PrompterConfig { PromptLength = 4, PrefixLength = 2 });
        long[][] prompts = prompter.Sample([0, 1], new Generator(1));
        using var noGrad = no_grad();
        float[] policy = prompter.Score([0, 1], prompts).LogProbability.data<float>().ToArray();
        float[] reference = TopicPrompter.ReferenceLogProbability(prior, prompts, EndOfText).data<float>().ToArray();
        for (int i = 0; i < 2; i++) Assert.True(Math.Abs(policy[i] - reference[i]) < 1.0, $"{policy[i]} vs {reference[i]}");
    }

    [Theory]
    [InlineData(PolicyAlgorithm.Reinforce)]
    [InlineData(PolicyAlgorithm.PpoClip)]
    public void PolicyGradientMovesProbabilityTowardTheRewardedPrompt(PolicyAlgorithm algorithm)
    {
        var prompter = Prompter(new PrompterConfig { PromptLength = 4, PrefixLength = 2, LearningRate = 0.02, Algorithm = algorithm });
        var updater = new PolicyGradientUpdater(prompter);
        long[] good = [10, 20, 30, 40], bad = [50, 60, 70, 80];
        double Margin()
        {
            using var noGrad = no_grad();
            float[] scores = prompter.Score([0, 0], [good, bad]).LogProbability.data<float>().ToArray();
            return scores[0] - scores[1];
        }
        double before = Margin();
        for (int step = 0; step < 15; step++) updater.Update([0, 0, 0, 0], [good, bad, good, bad], [1.0, 0.0, 1.0, 0.0]);
        Assert.True(Margin() > before + 2, $"margin {before} -> {Margin()}");
        Assert.InRange(updater.Baselines[0], 0.4, 0.6);
    }

    [Fact]
    public void PromptThatDoesNotFitTheContextIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => Prompter(new PrompterConfig { PromptLength = 40 }));
        Assert.Contains("context of 32", error.Message);
    }

    [Fact]
    public void WarmStartRaisesTheHandWrittenPromptsAndAFrozenCopyStaysPutWhileThePolicyMoves()
    {
        var prompter = Prompter();
        int[] topic = [11, 12, 13, 14];
        double LogProbability(TopicPrompter p)
        {
            using var noGrad = no_grad();
            return p.Score([1], [topic.Select(t => (long)t).ToArray()]).LogProbability.item<float>();
        }
        double before = LogProbability(prompter);
        prompter.WarmStart([(1, topic)], steps: 20, learningRate: 0.02);
        double warm = LogProbability(prompter);
        Assert.True(warm > before + 1, $"warm start should raise log P(topic | class): {before} -> {warm}");

        TopicPrompter reference = prompter.FrozenCopy();
        Assert.Equal(warm, LogProbability(reference), 4);
        Assert.DoesNotContain(reference.parameters(), p => p.requires_grad);
        new PolicyGradientUpdater(prompter).Update([1, 1], [topic.Select(t => (long)t).ToArray(), [50, 60, 70, 80]], [-1.0, 1.0]);
        Assert.NotEqual(LogProbability(prompter), LogProbability(reference), 4);
        Assert.Equal(warm, LogProbability(reference), 4);
    }
}
