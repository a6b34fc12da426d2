using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Method;

/// <summary>
/// Best-of-N content (our design, issue #24): the prior writes <see cref="Candidates"/> contents for each prompt and the
/// sample keeps the one the teacher reads most surely as the intended class, alone and lower-cased; off at 1.
/// </summary>
public sealed record SelectionConfig
{
    public const int MaximumCandidates = 16;

    /// <summary>N: contents written per prompt. Each costs one prior sample and two teacher reads.</summary>
    public int Candidates { get; init; } = 1;

    public bool Enabled => Candidates > 1;

    public void Validate() => ConfigProblems.ThrowIfAny("selection", Problems());

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems() => Candidates is < 1 or > MaximumCandidates
        ? [$"Selection candidates must be between 1 (off) and {MaximumCandidates} (got {Candidates})"]
        : [];
}
