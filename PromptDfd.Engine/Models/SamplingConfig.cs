using PromptDfd.Engine.Infrastructure;
namespace PromptDfd.Engine.Models;

/// <summary>How the next token is drawn from the model's distribution.</summary>
public sealed record SamplingConfig
{
    /// <summary>Softmax temperature; 0 means greedy (always the most likely token).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens; 0 disables.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches p; 1 disables.</summary>
    public double TopP { get; init; } = 0.95;

    public int MaxNewTokens { get; init; } = 48;

    /// <summary>Stop a sequence once it emits end-of-text; later positions are padding.</summary>
    public bool StopAtEndOfText { get; init; } = true;

    public void Validate() => ConfigProblems.ThrowIfAny("sampling", Problems());

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Temperature < 0 || double.IsNaN(Temperature)) problems.Add($"Temperature must be 0 (greedy) or positive (got {Temperature})");
        if (TopK < 0) problems.Add($"TopK must be 0 (off) or positive (got {TopK})");
        if (TopP is <= 0 or > 1) problems.Add($"TopP must be in (0, 1] (got {TopP})");
        if (MaxNewTokens < 1) problems.Add($"MaxNewTokens must be at least 1 (got {MaxNewTokens})");
        return problems;
    }
}
