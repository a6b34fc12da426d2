using System.Globalization;
using System.Text;

namespace PromptDfd.Engine.Text;

/// <summary>
/// How a BERT-family checkpoint's text is cleaned before WordPiece, as Hugging Face's BertTokenizer does it: lower-cased
/// or not (do_lower_case), accents stripped or not (strip_accents; unset, it follows do_lower_case), and always tabs and
/// line breaks read as spaces and control characters dropped. The settings come from tokenizer_config.json; without that
/// file a checkpoint is taken to be uncased, like bert-base-uncased.
/// </summary>
public sealed record WordPieceSettings(bool LowerCase, bool StripAccents)
{
    public static WordPieceSettings Uncased { get; } = new(true, true);

    public static WordPieceSettings Read(string folder)
    {
        var settings = TokenizerSettingsFile.Read(folder);
        bool lowerCase = settings.Flag("do_lower_case") ?? true;
        return new WordPieceSettings(lowerCase, settings.Flag("strip_accents") ?? lowerCase);
    }

    /// <summary>A suffix for the tokenizer's fingerprint: empty for the uncased default, so the same files with the same settings keep one
    /// fingerprint.</summary>
    public string FingerprintSuffix => (LowerCase ? "" : "-cased") + (StripAccents == LowerCase ? "" : StripAccents
        ? "-strip-accents" : "-keep-accents");

    /// <summary>
    /// Hugging Face's text cleaning: every whitespace character becomes a space, and NUL, U+FFFD and other control
    /// characters go. Microsoft.ML.Tokenizers drops tab and line breaks instead, gluing the words around them into one.
    /// </summary>
    public static string Clean(string text)
    {
        var cleaned = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is '\t' or '\n' or '\r' || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator) cleaned.Append(' ');
            else if (c is '\0' or '\uFFFD' || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format) continue;
            else cleaned.Append(c);
        }
        return cleaned.ToString();
    }
}
