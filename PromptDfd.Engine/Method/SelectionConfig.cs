using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Method;

/// <summary>
/// Best-of-N content (our design, issue #24): the prior writes <see cref="Candidates"/> contents for each prompt and the
/// sample keeps the one the teacher reads most surely as the intended class, alone and lower-cased; off at 1. With a
/// <see cref="DisagreementWeight"/> the choice also favours the contents the student still gets wrong.
/// </summary>
public sealed record SelectionConfig
{
    public const int MaximumCandidates = 16;

    /// <summary>N: contents written per prompt (1: the prior's one sample). Each costs one prior sample and two teacher reads. The
    /// default 4 was adopted on dev by issue #24's rule (attempt 12, with the pre-trained student).</summary>
    public int Candidates { get; init; } = 4;

    /// <summary>
    /// Weight of the student–teacher KL on the sample as distilled (prompt and content) in the choice, in nats per nat of
    /// the teacher's intended-class log-probability; 0 chooses by the teacher alone. Data-free KD's adversarial
    /// principle: a sample the student already agrees with teaches it nothing.
    /// </summary>
    public double DisagreementWeight { get; init; }

    public bool Enabled => Candidates > 1;

    public void Validate() => ConfigProblems.ThrowIfAny("selection", Problems());

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Candidates is < 1 or > MaximumCandidates)
            problems.Add($"Selection candidates must be between 1 (off) and {MaximumCandidates} (got {Candidates})");
        if (!double.IsFinite(DisagreementWeight) || DisagreementWeight is < 0 or > 100)
            problems.Add($"Selection disagreement weight must be between 0 (off) and 100 (got {DisagreementWeight})");
        return problems;
    }
}
