using PromptDfd.Engine.Infrastructure;
namespace PromptDfd.Engine.Method;

/// <summary>How class-descriptive topic words are found from the teacher itself (our design; issue #24).</summary>
public sealed record PromptMiningConfig
{
    /// <summary>Words kept per class, best first.</summary>
    public int WordsPerClass { get; init; } = 24;

    /// <summary>
    /// Neutral sentences the teacher reads each candidate word in ({0} is the word): a single word alone is often
    /// labelled arbitrarily ("army" -> positive 0.999), in a sentence it is read for what it means.
    /// </summary>
    public string[] ScoringTemplates { get; init; } = ["{0}", "It was {0}.", "This is about {0}.", "{0}: a"];

    /// <summary>
    /// Share of the scoring templates in which the teacher must pick a word's class. All of them is the safest
    /// against artifacts, but a teacher trained on one register (the ontology teacher reads dictionary glosses) picks
    /// few classes in sentences unlike it, so a majority is the default.
    /// </summary>
    public double MinimumAgreement { get; init; } = 0.5;

    /// <summary>
    /// How a mined word becomes topic prompts ({0} is the word): every word in every form. Which form keeps the
    /// class in what the prior writes next differs by task (on the shipped sentiment task "It was {0}." does, 79 % of
    /// continuations against 58 % for the bare word; on ontology the gloss opening "{0}: a"), and the prompter's RL
    /// is what finds out, so all of them are offered.
    /// </summary>
    public string[] PromptTemplates { get; init; } = ["{0}", "It was {0}.", "{0}: a", "The {0} is"];

    /// <summary>Shortest candidate word, in letters; shorter tokens are mostly word pieces.</summary>
    public int MinimumLetters { get; init; } = 3;

    public void Validate() => ConfigProblems.ThrowIfAny("prompt mining", Problems());

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (WordsPerClass < 1) problems.Add($"WordsPerClass must be at least 1 (got {WordsPerClass})");
        if (ScoringTemplates.Length == 0) problems.Add("ScoringTemplates needs at least one template such as \"It was {0}.\"");
        if (PromptTemplates.Length == 0) problems.Add("PromptTemplates needs at least one template such as \"{0}\"");
        foreach (string template in ScoringTemplates.Concat(PromptTemplates))
            if (!template.Contains("{0}",
                StringComparison.Ordinal)) problems.Add($"template \"{template}\" must contain {{0}} where the word goes");
        if (MinimumAgreement is <= 0 or > 1
            || double.IsNaN(MinimumAgreement)) problems.Add($"MinimumAgreement must be in (0, 1] (got {MinimumAgreement})");
        if (MinimumLetters < 1) problems.Add($"MinimumLetters must be at least 1 (got {MinimumLetters})");
        return problems;
    }
}
