using PromptDfd.Engine.Infrastructure;
namespace PromptDfd.Engine.Synthesis;

/// <summary>What the plausibility term measures the prompter's drift from.</summary>
public enum PlausibilityReference
{
    /// <summary>The frozen prior P_0 = G (method.md).</summary>
    Prior,

    /// <summary>
    /// The prompter as it was right after its warm start (RLHF's choice: the supervised policy is the reference).
    /// Against P_0, a warm-started prompter is penalised for the very topics the warm start taught it.
    /// </summary>
    WarmStartedPrompter,
}

/// <summary>Weights of the prompter's reward terms (method.md, "Reward"); every term is also logged on its own.</summary>
public sealed record RewardConfig
{
    /// <summary>Weight of log T(c|x): the sample is about its class.</summary>
    public double Relevance { get; init; } = 1.0;

    /// <summary>Weight of KL(T(.|x) || S(.|x)): the student has not mastered the sample yet.</summary>
    public double Hardness { get; init; } = 1.0;

    /// <summary>beta of the penalty -beta (log P_phi(p|c) - log P_0(p)) that keeps prompts natural language. At 0.05
    /// prompts drifted 12 nats from P_0 within 100 steps; 0.2 holds them near 5.</summary>
    public double Plausibility { get; init; } = 0.2;

    /// <summary>
    /// KL budget in nats; 0 keeps beta fixed. When positive, beta (starting at <see cref="Plausibility"/>) adapts after
    /// every batch so the mean KL to the reference tracks this value (the proportional controller of Ziegler et al.,
    /// 2019): a fixed beta pulls a warm-started prompter back to P_0, un-steering it from the class topics, while a
    /// budget lets it keep the drift the topics need and no more.
    /// </summary>
    public double PlausibilityTargetKl { get; init; }

    /// <summary>How fast the KL budget moves beta: per batch, beta *= 1 + rate * clip(KL / target - 1, -0.2, 0.2).</summary>
    public double PlausibilityAdaptRate { get; init; } = 0.1;

    /// <summary>Our design: P_0, as method.md says; the warm-started prompter is an option (same as P_0 without a warm start).</summary>
    public PlausibilityReference PlausibilityReference { get; init; } = PlausibilityReference.Prior;

    /// <summary>Weight of the penalty for prompts repeated within the batch or the recent window.</summary>
    public double Diversity { get; init; } = 0.5;

    /// <summary>How many recent prompts the diversity term remembers.</summary>
    public int DiversityWindow { get; init; } = 256;

    public void Validate()
    {
        var problems = new List<string>();
        foreach (var (name, value) in new[] { ("Relevance", Relevance), ("Hardness", Hardness), ("Plausibility", Plausibility), ("Diversity", Diversity) })
            if (value < 0 || double.IsNaN(value)) problems.Add($"{name} weight must be non-negative (got {value})");
        if (PlausibilityTargetKl < 0 || double.IsNaN(PlausibilityTargetKl)) problems.Add($"PlausibilityTargetKl must be 0 (fixed beta) or a positive KL budget in nats (got {PlausibilityTargetKl})");
        if (PlausibilityAdaptRate is <= 0 or > 1 || double.IsNaN(PlausibilityAdaptRate)) problems.Add($"PlausibilityAdaptRate must be in (0, 1] (got {PlausibilityAdaptRate})");
        if (!Enum.IsDefined(PlausibilityReference)) problems.Add($"PlausibilityReference must be one of {string.Join(", ", Enum.GetNames<PlausibilityReference>())} (got {PlausibilityReference})");
        if (DiversityWindow < 0) problems.Add($"DiversityWindow must be non-negative (got {DiversityWindow})");
        ConfigProblems.ThrowIfAny("reward", problems);
    }
}
