using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Sources;

/// <summary>
/// The run's random state: a managed source (class choice, replay) and a torch generator (sampling), plus
/// libtorch's global seed (dropout). Re-seeded from (seed, step) at checkpoint boundaries, so a run resumed from
/// a checkpoint draws exactly what the uninterrupted run would have.
/// </summary>
public sealed class RandomSources
{
    public RandomSources(long seed) { Seed = seed; Reseed(0); }

    public long Seed { get; }
    public Random Random { get; private set; } = null!;
    public Generator Generator { get; private set; } = null!;

    public void Reseed(long step)
    {
        long derived = unchecked(Seed * 1_000_003 + step * 7_919);
        Random = new Random(unchecked((int)(derived ^ (derived >> 32))));
        Generator = new Generator((ulong)derived);
        manual_seed(derived);
    }

    public int[] UniformClasses(int count, int classes) => Enumerable.Range(0, count).Select(_ => Random.Next(classes)).ToArray();
}
