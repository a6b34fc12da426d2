namespace PromptDfd.Engine.Metrics;

/// <summary>
/// Whether synthesis is steered toward each sample's intended class, and whether it got there by a teacher artifact
/// instead of by the class (issue #24: the sentiment teacher reads capital letters as negative, and a prompter
/// rewarded on that teacher wrote capital-letter non-words).
/// </summary>
public static class SteeringSignals
{
    /// <summary>Fewer letters than this cannot be "mostly upper case" in a way that matters ("I", "TV").</summary>
    private const int MinimumLetters = 4;

    /// <summary>True when the prompt or the content has at least four letters and more than half of them are upper case.</summary>
    public static bool IsArtifact(string prompt, string content) => MostlyUpperCase(prompt) || MostlyUpperCase(content);

    private static bool MostlyUpperCase(string text)
    {
        int letters = 0, upper = 0;
        foreach (char ch in text)
        {
            if (!char.IsLetter(ch)) continue;
            letters++;
            if (char.IsUpper(ch)) upper++;
        }
        return letters >= MinimumLetters && upper * 2 > letters;
    }
}
