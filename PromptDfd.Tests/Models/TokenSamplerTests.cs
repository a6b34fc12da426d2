using PromptDfd.Engine.Models;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Models;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class TokenSamplerTests
{
    [Fact]
    public void DrawsOnlyFromTheNucleusFoundBySortingAndInProportionToProbability()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            // Peaked and flat rows alike, with ties, as a trained model produces them.
            int vocabulary = 300;
            float[] weights = Enumerable.Range(0, vocabulary).Select(_ => (float)Math.Exp(random.NextDouble() * (trial % 4
                + 1) * 3)).ToArray();
            for (int i = 0; i < 10; i++) weights[random.Next(vocabulary)] = weights[0];
            float total = weights.Sum();
            float[] probabilities = weights.Select(w => w / total).ToArray();
            double topP = 0.5 + 0.45 * random.NextDouble();

            var sorted = Enumerable.Range(0, vocabulary).OrderByDescending(i => probabilities[i]).ToArray();
            double mass = 0;
            int nucleusSize = 0;
            while (mass < topP * probabilities.Sum()) mass += probabilities[sorted[nucleusSize++]];
            float smallestInNucleus = probabilities[sorted[nucleusSize - 1]];

            var sampler = new TokenSampler(new SamplingConfig { TopP = topP }, new Random(trial));
            long[] drawn = sampler.Sample(Enumerable.Repeat(probabilities, 2000).SelectMany(p => p).ToArray(), 2000);
            Assert.All(drawn, id => Assert.True(probabilities[id] >= smallestInNucleus,
                $"token {id} (p={probabilities[id]}) is outside the nucleus"));

            // The most likely token is drawn about as often as its renormalised probability says.
            double expected = probabilities[sorted[0]] / mass;
            double observed = drawn.Count(id => id == sorted[0]) / 2000.0;
            Assert.InRange(observed, expected - 0.05, expected + 0.05);
        }
    }

    [Fact]
    public void TopKKeepsExactlyTheKMostLikelyTokens()
    {
        float[] probabilities = [0.05f, 0.3f, 0.1f, 0.25f, 0.2f, 0.1f];
        var sampler = new TokenSampler(new SamplingConfig { TopK = 3, TopP = 1 }, new Random(3));
        long[] drawn = sampler.Sample(Enumerable.Repeat(probabilities, 3000).SelectMany(p => p).ToArray(), 3000);
        Assert.Equal(new long[] { 1, 3, 4 }, drawn.Distinct().Order().ToArray());
        Assert.InRange(drawn.Count(id => id == 1) / 3000.0, 0.4, 0.46); // 0.3 / 0.75
    }

    [Fact]
    public void ZeroProbabilityTokensAreNeverDrawn()
    {
        float[] probabilities = [0f, 0.5f, 0f, 0.5f];
        long[] drawn = new TokenSampler(new SamplingConfig { TopP = 1 }, new Random(1)).Sample(Enumerable.Repeat(probabilities,
            500).SelectMany(p => p).ToArray(), 500);
        Assert.DoesNotContain(0L, drawn);
        Assert.DoesNotContain(2L, drawn);
    }
}
