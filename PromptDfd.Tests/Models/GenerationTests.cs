using PromptDfd.Engine.Models;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Models;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class GenerationTests
{
    private const int EndOfText = 298, Padding = 299;

    [Fact]
    public void IncrementalDecodingWithKvCacheGivesTheSameLogitsAsFullRecomputation()
    {
        var model = TinyModels.LanguageModel();
        long[] sequence = [3, 50, 7, 120, 9, 33, 250, 1];
        using var noGrad = no_grad();
        using Tensor full = model.forward(TinyModels.Ids(sequence));
        using var cache = model.NewCache();
        using Tensor prefix = model.Forward(TinyModels.Ids(sequence[..3]), cache);
        Assert.True(prefix.allclose(full.narrow(1, 0, 3), rtol: 1e-4, atol: 1e-5));
        for (int i = 3; i < sequence.Length; i++)
        {
            using Tensor step = model.Forward(TinyModels.Ids(sequence[i]), cache);
            Assert.True(step.allclose(full.narrow(1, i, 1), rtol: 1e-4, atol: 1e-5), $"position {i}");
        }
        Assert.Equal(sequence.Length, cache.Length);
    }

    [Fact]
    public void CachedAndRecomputedGenerationChooseTheSameTokens()
    {
        var model = TinyModels.LanguageModel();
        var prompts = new List<IReadOnlyList<int>> { new[] { 5, 6, 7 }, new[] { 80, 81, 82 } };
        var sampling = new SamplingConfig { MaxNewTokens = 12, TopP = 0.9, StopAtEndOfText = false };
        var cached = Generation.Generate(model, prompts, sampling, EndOfText, Padding, new TorchSharp.torch.Generator(5), useCache: true);
        var recomputed = Generation.Generate(model, prompts, sampling, EndOfText, Padding, new TorchSharp.torch.Generator(5),
            useCache: false);
        Assert.Equal(cached.Tokens, recomputed.Tokens);
        for (int row = 0; row < 2; row++)
            for (int i = 0; i < 12; i++) Assert.Equal(cached.LogProbabilities[row][i], recomputed.LogProbabilities[row][i], 4);
    }

    [Fact]
    public void SamplingWithTheSameSeedIsReproducibleAndADifferentSeedDiffers()
    {
        var model = TinyModels.LanguageModel();
        var prompts = Enumerable.Repeat<IReadOnlyList<int>>(new[] { 10, 11 }, 8).ToList();
        var sampling = new SamplingConfig { MaxNewTokens = 10, Temperature = 1.5, TopP = 1.0, StopAtEndOfText = false };
        var first = Generation.Generate(model, prompts, sampling, EndOfText, Padding, new TorchSharp.torch.Generator(123));
        var second = Generation.Generate(model, prompts, sampling, EndOfText, Padding, new TorchSharp.torch.Generator(123));
        var other = Generation.Generate(model, prompts, sampling, EndOfText, Padding, new TorchSharp.torch.Generator(124));
        Assert.Equal(first.Tokens, second.Tokens);
        Assert.NotEqual(first.Tokens.SelectMany(t => t), other.Tokens.SelectMany(t => t));
    }

    [Fact]
    public void LeftPaddedPromptsOfDifferentLengthsGenerateAsIfAlone()
    {
        var model = TinyModels.LanguageModel();
        var greedy = new SamplingConfig { Temperature = 0, MaxNewTokens = 6, StopAtEndOfText = false };
        IReadOnlyList<int> shortPrompt = [42], longPrompt = [1, 2, 3, 4, 5];
        var together = Generation.Generate(model, [shortPrompt, longPrompt], greedy, EndOfText, Padding);
        var aloneShort = Generation.Generate(model, [shortPrompt], greedy, EndOfText, Padding);
        var aloneLong = Generation.Generate(model, [longPrompt], greedy, EndOfText, Padding);
        Assert.Equal(aloneShort.Tokens[0], together.Tokens[0]);
        Assert.Equal(aloneLong.Tokens[0], together.Tokens[1]);
    }

    [Fact]
    public void TopKOneIsGreedyAndTopPKeepsOnlyTheNucleus()
    {
        using Tensor logits = tensor(new float[] { 0f, 3f, 1f, 2.5f, -1f, 0.5f }, [1, 6]).repeat(200, 1);
        using Tensor topK = Generation.SampleNext(logits, new SamplingConfig { TopK = 1, TopP = 1 }, new TorchSharp.torch.Generator(1));
        Assert.All(topK.data<long>().ToArray(), id => Assert.Equal(1, id));
        // Softmax mass: token 1 ≈ 0.55, token 3 ≈ 0.33; with p = 0.8 only these two survive.
        using Tensor nucleus = Generation.SampleNext(logits, new SamplingConfig { TopP = 0.8 }, new TorchSharp.torch.Generator(1));
        var drawn = nucleus.data<long>().ToArray();
        Assert.All(drawn, id => Assert.Contains(id, new long[] { 1, 3 }));
        Assert.Contains(3L, drawn);
    }

    [Fact]
    public void NucleusOfAFlatDistributionIsCutFromTheFullSortedVocabulary()
    {
        // 200 tokens: token i has weight 200 - i, so the 64 most likely hold well under p = 0.9 of the mass.
        float[] weights = Enumerable.Range(0, 200).Select(i => (float)Math.Log(200 - i)).ToArray();
        using Tensor logits = tensor(weights, [1, 200]).repeat(400, 1);
        using Tensor drawn = Generation.SampleNext(logits, new SamplingConfig { TopP = 0.9 }, new TorchSharp.torch.Generator(2));
        double total = Enumerable.Range(1, 200).Sum();
        int nucleus = 0;
        for (double mass = 0; mass <= 0.9; nucleus++) mass += (200 - nucleus) / total;
        long[] ids = drawn.data<long>().ToArray();
        Assert.All(ids, id => Assert.True(id < nucleus, $"token {id} is outside the nucleus of {nucleus}"));
        Assert.Contains(ids, id => id > 64); // beyond the 64-token fast path
    }

    [Fact]
    public void GenerationStopsAtEndOfTextAndRejectsPromptsThatDoNotFit()
    {
        var model = TinyModels.LanguageModel();
        var greedy = new SamplingConfig { Temperature = 0, MaxNewTokens = 8 };
        long forced;
        using (no_grad()) forced = model.forward(TinyModels.Ids(7)).select(1, -1).argmax(1).item<long>();
        // Declaring the greedy choice "end of text" must end the sequence before it.
        var stopped = Generation.Generate(model, [new[] { 7 }], greedy, (int)forced, Padding);
        Assert.Empty(stopped.Tokens[0]);
        Assert.Single(stopped.LogProbabilities[0]);
        var error = Assert.Throws<ArgumentException>(() =>
            Generation.Generate(model, [Enumerable.Range(0, 30).ToArray()], greedy, EndOfText, Padding));
        Assert.Contains("exceeds the model's context of 32", error.Message);
    }

    [Fact]
    public void InvalidSamplingSettingsAreRejectedWithTheirNames()
    {
        var error = Assert.Throws<ArgumentException>(() => new SamplingConfig { TopP = 0, Temperature = -1 }.Validate());
        Assert.Contains("TopP", error.Message);
        Assert.Contains("Temperature", error.Message);
    }
}
