using PromptDfd.Engine.Method;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Sources;

/// <summary>Where a sample's prompt came from; shown in the sample stream and used to keep RL on-policy.</summary>
public enum PromptOrigin { None, Policy, Manual, Pinned, Fixed, Real, Random, Inverted }

/// <summary>
/// One step's synthetic samples: the target class (-1 when the method has none), the prompt and content token ids
/// (the sample is prompt ++ content), where each prompt came from, and whether the user banned it.
/// </summary>
public sealed record SyntheticBatch(int[] Classes, int[][] Prompts, int[][] Contents, PromptOrigin[] Origins, bool[] Banned)
{
    public int Count => Classes.Length;

    /// <summary>prompt ++ content per sample, cut to the classifiers' context; an empty sample becomes <paramref name="emptyToken"/>
    /// alone.</summary>
    public IReadOnlyList<int[]> Sequences(int maximumLength, int emptyToken) =>
        Prompts.Select((p, i) => p.Concat(Contents[i]).Take(maximumLength).DefaultIfEmpty(emptyToken).ToArray()).ToList();
}

/// <summary>A prompt the prompter wrote recently for a class, with the reward it earned.</summary>
public sealed record PromptStatistic(string Prompt, double Reward, int Count);

/// <summary>
/// A way of producing the student's training text: PromptDFD and each baseline. Sources draw with the trainer's
/// seeded random sources, so a config and seed give the same samples.
/// </summary>
public interface ISampleSource
{
    SyntheticBatch Draw(int count);

    /// <summary>Lets a learning source (the prompter) learn from the teacher's and student's logits on its samples.</summary>
    void Learn(SyntheticBatch batch, Tensor teacherLogits, Tensor studentLogits, Action<string, double> metric) { }

    void Steer(SteeringCommand command) =>
        throw new InvalidOperationException("Only PromptDFD runs have topic prompts to steer; this run's method writes no prompts.");

    IReadOnlyDictionary<string, IReadOnlyList<PromptStatistic>> TopPrompts(int perClass) => new Dictionary<string,
        IReadOnlyList<PromptStatistic>>();

    void SaveState(string folder) { }
    void LoadState(string folder) { }
}
