using System.Text;
using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Data;

public static partial class TextCleaning
{
    /// <summary>Unicode NFC, no control characters, single spaces, trimmed.</summary>
    public static string Normalize(string text)
    {
        string nfc = text.Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(nfc.Length);
        foreach (char c in nfc) builder.Append(char.IsControl(c) ? ' ' : c);
        return Whitespace().Replace(builder.ToString(), " ").Trim();
    }

    /// <summary>Key for exact-duplicate detection: case and spacing do not make a text new.</summary>
    public static string DeduplicationKey(string text) => Normalize(text).ToLowerInvariant();

    public static int WordCount(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
