using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;

namespace PromptDfd.Engine.Method;

public enum PolicyAlgorithm { Reinforce, PpoClip }

/// <summary>Which prompts the prompter's warm start teaches it.</summary>
public enum WarmStartPrompts
{
    /// <summary>The run's topic prompts: the config's TopicPrompts, else the task's hand-written prompts.json.</summary>
    TopicPrompts,

    /// <summary>Words the teacher itself reads as each class (<see cref="TopicWordMiner"/>), in several prompt forms: no hand-written
    /// prompts needed.</summary>
    MinedFromTeacher,
}

/// <summary>The topic prompter P_phi and how it is updated (method.md, components 2 and 5; our design where the paper is silent).</summary>
public sealed record PrompterConfig
{
    /// <summary>K: tokens in a topic prompt.</summary>
    public int PromptLength { get; init; } = 6;

    /// <summary>
    /// Our design (issue #24): a prompt may end before K tokens by writing end-of-text (never as its first token). With
    /// a fixed length, a warm start on "It was great." (4 tokens of 6) taught the prompter to write two more tokens of
    /// noise after every topic. Off by default: alone, it lost 1.9 points on ontology dev (docs/results-notes.md).
    /// </summary>
    public bool VariableLength { get; init; }

    /// <summary>Learned per-class prefix vectors that condition the prompter on the class.</summary>
    public int PrefixLength { get; init; } = 4;

    /// <summary>How many of the last transformer blocks are trained (with the final LayerNorm and the prefix); the rest stays
    /// frozen.</summary>
    public int TrainableBlocks { get; init; } = 1;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// Supervised steps on the run's topic prompts (the task's prompts.json unless given) before RL starts; 0 starts
    /// RL from the prior, as P_0. Our design: with about 3,000 samples per run, RL from P_0 spends its budget
    /// finding any on-topic prompt at all; a short warm start lets it spend it on refining them (dev, docs/results.md).
    /// </summary>
    public int WarmStartSteps { get; init; } = 30;

    /// <summary>What the warm start teaches: the run's topic prompts by default; MinedFromTeacher (issue #24) needs no
    /// prompts.json.</summary>
    public WarmStartPrompts WarmStartFrom { get; init; } = WarmStartPrompts.TopicPrompts;

    /// <summary>How topic words are mined when <see cref="WarmStartFrom"/> is MinedFromTeacher.</summary>
    public PromptMiningConfig Mining { get; init; } = new();
    public double EntropyBonus { get; init; } = 0.01;
    public double BaselineMomentum { get; init; } = 0.9;
    public bool NormalizeAdvantages { get; init; } = true;
    public PolicyAlgorithm Algorithm { get; init; } = PolicyAlgorithm.Reinforce;
    public double PpoClip { get; init; } = 0.2;
    public int PpoEpochs { get; init; } = 2;
    /// <summary>How prompts are drawn. Our design: top-p 0.9 keeps the 8k-token tail (mostly fragments) out of prompts;
    /// the policy gradient still uses log-probabilities under the full distribution.</summary>
    public SamplingConfig Sampling { get; init; } = new() { Temperature = 1.0, TopP = 0.9, StopAtEndOfText = false };

    public void Validate(GptConfig prior) => ConfigProblems.ThrowIfAny("prompter", Problems(prior));

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems(GptConfig prior)
    {
        var problems = new List<string>();
        if (PromptLength < 1) problems.Add($"PromptLength must be at least 1 (got {PromptLength})");
        if (PrefixLength < 1) problems.Add($"PrefixLength must be at least 1 (got {PrefixLength})");
        if (PrefixLength + 1
            + PromptLength > prior.ContextLength) problems.Add($"PrefixLength + 1 + PromptLength must fit the prior's context of " +
                $"{prior.ContextLength}");
        if (TrainableBlocks < 0
            || TrainableBlocks > prior.Layers) problems.Add($"TrainableBlocks must be between 0 and the prior's {prior.Layers} layers " +
                $"(got {TrainableBlocks})");
        if (LearningRate <= 0) problems.Add($"LearningRate must be positive (got {LearningRate})");
        if (EntropyBonus < 0) problems.Add($"EntropyBonus must be non-negative (got {EntropyBonus})");
        if (BaselineMomentum is < 0 or >= 1) problems.Add($"BaselineMomentum must be in [0, 1) (got {BaselineMomentum})");
        if (PpoClip is <= 0 or >= 1) problems.Add($"PpoClip must be in (0, 1) (got {PpoClip})");
        if (WarmStartSteps < 0) problems.Add($"WarmStartSteps must be non-negative (got {WarmStartSteps})");
        if (!Enum.IsDefined(WarmStartFrom)) problems.Add($"WarmStartFrom must be one of " +
            $"{string.Join(", ", Enum.GetNames<WarmStartPrompts>())} (got {WarmStartFrom})");
        if (PpoEpochs < 1) problems.Add($"PpoEpochs must be at least 1 (got {PpoEpochs})");
        problems.AddRange(Sampling.Problems());
        problems.AddRange(Mining.Problems());
        return problems;
    }
}
