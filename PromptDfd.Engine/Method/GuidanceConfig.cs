using PromptDfd.Engine.Infrastructure;
namespace PromptDfd.Engine.Method;

/// <summary>Teacher-guided decoding of the content (our design, issue #24); off when <see cref="Weight"/> is 0.</summary>
public sealed record GuidanceConfig
{
    /// <summary>
    /// lambda in score(token) = log G(token | text) / temperature + lambda * log T(c | text ++ token): how strongly
    /// the teacher's probability of the intended class reweights the prior's candidates. 0 is plain sampling from the prior.
    /// </summary>
    public double Weight { get; init; }

    /// <summary>The prior's most likely next tokens the teacher chooses among; the prior alone decides what is plausible.</summary>
    public int Candidates { get; init; } = 8;

    public bool Enabled => Weight > 0;

    public void Validate() => ConfigProblems.ThrowIfAny("guidance", Problems());

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Weight < 0 || double.IsNaN(Weight)
            || double.IsInfinity(Weight)) problems.Add($"Guidance weight must be 0 (off) or a positive number (got {Weight})");
        if (Candidates < 2) problems.Add($"Guidance candidates must be at least 2 (got {Candidates})");
        return problems;
    }
}
