using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Infrastructure;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class AdamOptimizerTests
{
    private static Sequential TinyNetwork(int seed, int hidden = 6)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(5, hidden), nn.Tanh(), nn.Linear(hidden, 3));
    }

    private static void Backward(Sequential network, int step)
    {
        manual_seed(100 + step);
        using var scope = NewDisposeScope();
        Tensor inputs = randn(8, 5);
        Tensor labels = randint(0, 3, [8], dtype: ScalarType.Int64);
        nn.functional.cross_entropy(network.forward(inputs), labels).backward();
    }

    private static float[][] Weights(Sequential network) => network.parameters().Select(p => p.detach().data<float>().ToArray()).ToArray();

    private static void TrainWithOurs(Sequential network, AdamOptimizer optimizer, int fromStep, int toStep, Func<int, double>? rate = null)
    {
        for (int step = fromStep; step < toStep; step++)
        {
            if (rate is not null) optimizer.LearningRate = rate(step);
            optimizer.ZeroGrad();
            Backward(network, step);
            optimizer.Step();
        }
    }

    [Fact]
    public void AdamMatchesTorchSharpsAdamBitForBit()
    {
        var reference = TinyNetwork(1);
        var ours = TinyNetwork(1);
        var theirs = optim.Adam(reference.parameters(), 3e-3);
        using var mine = AdamOptimizer.Adam(ours.parameters(), 3e-3);
        for (int step = 0; step < 6; step++)
        {
            theirs.zero_grad();
            Backward(reference, step);
            theirs.step();
        }
        TrainWithOurs(ours, mine, 0, 6);
        Assert.Equal(Weights(reference), Weights(ours));
        Assert.NotEqual(Weights(TinyNetwork(1)), Weights(ours));
    }

    [Fact]
    public void AdamWWithWeightDecayGroupsAndAScheduleMatchesTorchSharpsAdamWBitForBit()
    {
        var reference = TinyNetwork(2);
        var ours = TinyNetwork(2);
        var decayed = reference.parameters().Where(p => p.dim() >= 2).ToList();
        var plain = reference.parameters().Where(p => p.dim() < 2).ToList();
        var theirs = optim.AdamW(
            [new AdamW.ParamGroup(decayed, new AdamW.Options { weight_decay = 0.1 }),
                new AdamW.ParamGroup(plain, new AdamW.Options { weight_decay = 0 })],
            lr: 1e-2, beta1: 0.9, beta2: 0.95);
        using var mine = new AdamOptimizer(
            [new AdamOptimizer.ParameterGroup(ours.parameters().Where(p => p.dim() >= 2).ToList(), 0.1),
                new AdamOptimizer.ParameterGroup(ours.parameters().Where(p => p.dim() < 2).ToList())],
            1e-2, decoupledWeightDecay: true, beta1: 0.9, beta2: 0.95);
        double Rate(int step) => 1e-2 * (step + 1) / 6.0;
        for (int step = 0; step < 6; step++)
        {
            foreach (var group in theirs.ParamGroups) group.LearningRate = Rate(step);
            theirs.zero_grad();
            Backward(reference, step);
            theirs.step();
        }
        TrainWithOurs(ours, mine, 0, 6, Rate);
        Assert.Equal(Weights(reference), Weights(ours));
    }

    [Fact]
    public void SavedStateResumesExactlyWhereTheOptimizerStopped()
    {
        using var folder = new TemporaryFolder();
        var straight = TinyNetwork(3);
        using (var optimizer = AdamOptimizer.AdamW(straight.parameters(), 5e-3, weightDecay: 0.01))
            TrainWithOurs(straight, optimizer, 0, 8);

        var interrupted = TinyNetwork(3);
        using (var before = AdamOptimizer.AdamW(interrupted.parameters(), 5e-3, weightDecay: 0.01))
        {
            TrainWithOurs(interrupted, before, 0, 4);
            before.Save(folder.File("optimizer.bin"));
        }
        using var after = AdamOptimizer.AdamW(interrupted.parameters(), 5e-3, weightDecay: 0.01);
        after.Load(folder.File("optimizer.bin"));
        TrainWithOurs(interrupted, after, 4, 8);

        Assert.Equal(Weights(straight), Weights(interrupted));
    }

    [Fact]
    public void StateFromAnotherModelIsRefusedAndLeavesTheOptimizerUntouched()
    {
        using var folder = new TemporaryFolder();
        var small = TinyNetwork(4, hidden: 6);
        using (var optimizer = AdamOptimizer.AdamW(small.parameters(), 1e-3))
        {
            TrainWithOurs(small, optimizer, 0, 2);
            optimizer.Save(folder.File("small.bin"));
        }
        var wide = TinyNetwork(4, hidden: 7);
        using var wideOptimizer = AdamOptimizer.AdamW(wide.parameters(), 1e-3);
        TrainWithOurs(wide, wideOptimizer, 0, 2);
        wideOptimizer.Save(folder.File("wide.bin"));

        var mismatch = Assert.Throws<InvalidDataException>(() => wideOptimizer.Load(folder.File("small.bin")));
        Assert.Contains("different model", mismatch.Message);

        var wrongKind = AdamOptimizer.Adam(wide.parameters(), 1e-3);
        Assert.Contains("AdamW", Assert.Throws<InvalidDataException>(() => wrongKind.Load(folder.File("wide.bin"))).Message);

        byte[] whole = File.ReadAllBytes(folder.File("wide.bin"));
        File.WriteAllBytes(folder.File("truncated.bin"), whole[..(whole.Length - 10)]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => wideOptimizer.Load(folder.File("truncated.bin"))).Message);

        File.WriteAllBytes(folder.File("foreign.bin"), [3, (byte)'a', (byte)'b', (byte)'c', 0, 0]);
        Assert.Contains("not optimizer state", Assert.Throws<InvalidDataException>(() =>
            wideOptimizer.Load(folder.File("foreign.bin"))).Message);

        // The refused loads changed nothing: training on gives what an untouched optimizer gives.
        var untouched = TinyNetwork(4, hidden: 7);
        using (var fresh = AdamOptimizer.AdamW(untouched.parameters(), 1e-3))
            TrainWithOurs(untouched, fresh, 0, 4);
        TrainWithOurs(wide, wideOptimizer, 2, 4);
        Assert.Equal(Weights(untouched), Weights(wide));
    }

    [Fact]
    public void InvalidSettingsAreRefusedWithTheirName()
    {
        var network = TinyNetwork(5);
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() =>
            AdamOptimizer.Adam(network.parameters(), -1)).Message);
        Assert.Contains("beta2", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new AdamOptimizer([new AdamOptimizer.ParameterGroup(network.parameters().ToList())], 1e-3, false, beta2: 1.0)).Message);
        Assert.Contains("Weight decay", Assert.Throws<ArgumentOutOfRangeException>(() =>
            AdamOptimizer.AdamW(network.parameters(), 1e-3, weightDecay: -0.1)).Message);
    }
}
