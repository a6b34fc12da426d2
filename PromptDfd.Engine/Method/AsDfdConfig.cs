using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Method;

/// <summary>
/// The AS-DFD-style baseline (our design): a soft token distribution per position is optimised so that the
/// teacher is confident in the target class and disagrees with the student; both models read it through their
/// own embedding matrices (shared vocabulary). The optimised distribution is then discretised to its most likely
/// tokens, so the student, replay and sample budget work as for every other method.
/// </summary>
public sealed record AsDfdConfig
{
    /// <summary>Gradient steps on the soft inputs per batch.</summary>
    public int InversionSteps { get; init; } = 8;
    public double LearningRate { get; init; } = 0.1;
    /// <summary>Weight of log T(c|x) (teacher confidence in the target class).</summary>
    public double ConfidenceWeight { get; init; } = 1.0;
    /// <summary>Weight of KL(T || S) (adversarial disagreement, as in AS-DFD).</summary>
    public double DisagreementWeight { get; init; } = 1.0;

    public void Validate() => ConfigProblems.ThrowIfAny("AS-DFD", Problems());

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (InversionSteps < 1) problems.Add($"InversionSteps must be at least 1 (got {InversionSteps})");
        if (LearningRate <= 0) problems.Add($"LearningRate must be positive (got {LearningRate})");
        if (ConfidenceWeight < 0 || DisagreementWeight < 0) problems.Add("ConfidenceWeight and DisagreementWeight must be non-negative");
        return problems;
    }
}
