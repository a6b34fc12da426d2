using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Data.Preparation;

/// <summary>
/// A short list of slurs and profanity (prefix patterns, so it over-filters a few innocent words such as "cocktail";
/// changing it changes the prior corpus and thus the shipped prior's data hash). The dashboard shows what the prior writes, so text
/// containing
/// these words is kept out of its training corpus.
/// </summary>
public static partial class OffensiveWords
{
    public static bool Contains(string text) => Pattern().IsMatch(text);

    [GeneratedRegex(@"\b(fuck\w*|shit\w*|cunt\w*|bitch\w*|nigg\w*|fag\w*|whore\w*|slut\w*|retard\w*|rape\w*|dick|cock\w*|pussy|" +
        @"kike\w*|spic|chink\w*|tranny)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
