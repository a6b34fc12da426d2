using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Data.Preparation;

/// <summary>
/// Definitions from GCIDE (Webster's Revised Unabridged Dictionary of 1913 and its supplements, Debian dict-gcide), written
/// as "headword: definition." so the language prior learns the register of dictionary glosses, which the ontology task is
/// made of. Senses GCIDE took from WordNet are left out: the ontology task is WordNet's glosses.
/// </summary>
public static partial class DictionaryDefinitions
{
    public const int DefinitionsPerDocument = 20;

    public static IEnumerable<string> Read(string debFolder)
    {
        string path = Path.Combine(debFolder, "usr", "share", "dictd", "gcide.dict.dz");
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        foreach (string[] group in Definitions(reader).Chunk(DefinitionsPerDocument)) yield return string.Join('\n', group);
    }

    /// <summary>Every usable definition in a dictd text, in dictionary order.</summary>
    public static IEnumerable<string> Definitions(TextReader dictionary)
    {
        string? headword = null;
        var paragraphs = new List<List<string>>();
        var paragraph = new List<string>();
        for (string? line = dictionary.ReadLine(); ; line = dictionary.ReadLine())
        {
            bool entryStarts = line is { Length: > 0 } && !char.IsWhiteSpace(line[0]);
            if ((line is null || line.Trim().Length == 0 || entryStarts) && paragraph.Count > 0)
            {
                paragraphs.Add(paragraph);
                paragraph = [];
            }
            if (line is null || entryStarts)
            {
                if (headword is not null)
                    foreach (string definition in FromEntry(headword, paragraphs)) yield return definition;
                paragraphs.Clear();
                if (line is null) yield break;
                headword = Headword(line);
            }
            if (line.Trim().Length > 0) paragraph.Add(line);
        }
    }

    /// <summary>A paragraph's source tag ("[1913 Webster]") closes it; WordNet's senses carry theirs on a later paragraph, so
    /// an untagged paragraph is kept only when nothing in its entry came from WordNet.</summary>
    private static IEnumerable<string> FromEntry(string headword, List<List<string>> paragraphs)
    {
        bool fromWordNet = paragraphs.Any(p => p.Any(l => l.Contains("[WordNet", StringComparison.Ordinal)));
        foreach (List<string> lines in paragraphs)
        {
            bool tagged = SourceTag().IsMatch(lines[^1]);
            if (fromWordNet && !tagged) continue;
            foreach (string definition in FromParagraph(headword, lines)) yield return definition;
        }
    }

    private static IEnumerable<string> FromParagraph(string headword, List<string> lines)
    {
        int indentation = lines[0].Length - lines[0].TrimStart().Length;
        // Quotations and notes sit deeper than senses.
        if (indentation > 3) yield break;
        string text = string.Join(' ', lines.Select(l => l.Trim()));
        if (text.Contains("[WordNet", StringComparison.Ordinal) || text.StartsWith("Note:", StringComparison.Ordinal) ||
            text.StartsWith("Syn", StringComparison.Ordinal)) yield break;
        string term = headword;
        if (indentation == 0) text = AfterEntryHeader(text);
        else if (SubEntry().Match(text) is { Success: true } sub)
        {
            term = sub.Groups["term"].Value;
            text = sub.Groups["rest"].Value;
        }
        else text = SenseNumber().Replace(text, "");
        foreach (string part in SubSense().Split(text))
            if (Clean(term, part) is string definition) yield return definition;
    }

    private static string? Clean(string term, string text)
    {
        text = SourceTag().Replace(text, "");
        text = UsageLabel().Replace(text, "");
        text = Ligature().Replace(text, m => m.Groups[1].Value);
        text = AccentedLetter().Replace(text, m => m.Groups[1].Value);
        text = Citation().Replace(text, "");
        text = DerivedForms().Replace(text, "");
        text = CrossReference().Replace(text, "");
        text = text.Replace("{", "").Replace("}", "").Replace("--", " ").Replace(" ;", ";").Replace(" ,", ",");
        text = DomainLabel().Replace(text, "");
        text = TextCleaning.Normalize(text).Trim(' ', ',', ';', ':');
        term = TextCleaning.Normalize(term.Replace("*", "").Replace("\"", "").Replace("`", "").Replace("'", ""));
        if (term.Length == 0 || text.Length == 0 || !char.IsLetter(text[0])) return null;
        if ((term + text).IndexOfAny(['[', ']', '\\', '|', '=']) >= 0) return null;
        int words = TextCleaning.WordCount(text);
        if (words < 3 || words > 60) return null;
        if (text.Length > 1 && char.IsUpper(text[0]) && (char.IsLower(text[1]) || text[1] == ' ')) text = char.ToLowerInvariant(text[0]) + text[1..];
        if (term.Length > 1 && char.IsUpper(term[0]) && term.Skip(1).All(c => !char.IsUpper(c))) term = char.ToLowerInvariant(term[0]) + term[1..];
        return $"{term}: {text.TrimEnd('.')}.";
    }

    /// <summary>The entry's first paragraph is headword, pronunciation, part of speech and etymology, then (for short entries)
    /// the definition itself.</summary>
    private static string AfterEntryHeader(string text)
    {
        int start = text.IndexOf('\\');
        if (start < 0) return "";
        int end = text.IndexOf('\\', start + 1);
        if (end < 0) return "";
        string rest = text[(end + 1)..];
        rest = Pronunciation().Replace(rest, "");
        rest = PartOfSpeech().Replace(rest, "");
        rest = rest.TrimStart(' ', ',', ';');
        if (rest.StartsWith('[')) rest = AfterBalancedBrackets(rest);
        return SenseNumber().Replace(rest.TrimStart(' ', '.', ';'), "");
    }

    private static string AfterBalancedBrackets(string text)
    {
        int depth = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '[') depth++;
            else if (text[i] == ']' && --depth == 0) return text[(i + 1)..];
        }
        return "";
    }

    /// <summary>A dictionary entry opens with "Headword \\pro*nun"ci*a`tion\\"; other column-0 lines (the database's own
    /// description) open nothing.</summary>
    private static string? Headword(string line)
    {
        int end = line.IndexOf(" \\", StringComparison.Ordinal);
        return end <= 0 ? null : line[..end].Trim();
    }

    [GeneratedRegex(@"^\{(?<term>[^}]+)\}(?:\s*\([^)]*\))?,?\s*(?<rest>.*)$")]
    private static partial Regex SubEntry();

    // "..., as, a dichotomous stem. -- Di*chot"o*mous*ly, adv.": a derived word, marked for pronunciation, ends the definition.
    [GeneratedRegex(@"[\s.,;]*\S*\*\S*.*$")]
    private static partial Regex DerivedForms();

    [GeneratedRegex(@"[\s.;,]*\bSee(?: also)? [^.]*\.?\s*$")]
    private static partial Regex CrossReference();

    [GeneratedRegex(@"^\s*\d+\.\s*")]
    private static partial Regex SenseNumber();

    [GeneratedRegex(@"\s*\([a-z]\)\s+")]
    private static partial Regex SubSense();

    [GeneratedRegex(@"\s*\[(?:\d{4} Webster|Webster 1913 Suppl\.|PJC|Century Dict\.|Century Dict\. 1906|Chambers 1908)\]")]
    private static partial Regex SourceTag();

    [GeneratedRegex(@"\s*\[(?:Obs|R|Colloq|Prov\. Eng|Eng|Archaic|Scot|Slang|U\. ?S|Poetic|F|L|NL|Local|Cant|Vulgar|Low)\.?\]")]
    private static partial Regex UsageLabel();

    [GeneratedRegex(@"\[(ae|oe|AE|OE)\]")]
    private static partial Regex Ligature();

    [GeneratedRegex(@"\[[=^.~""`'*]?([a-zA-Z])[=^.~""`'*]?\]")]
    private static partial Regex AccentedLetter();

    [GeneratedRegex(@"\s*--\s?[A-Z][A-Za-z.&' ]{0,30}\.?\s*$")]
    private static partial Regex Citation();

    [GeneratedRegex(@"^(?:\s*\((?:[A-Z][a-z]*\.?\s?)+(?:&\s?[A-Z][a-z]*\.?)?\))+\s*")]
    private static partial Regex DomainLabel();

    [GeneratedRegex(@"^\s*\([^)]*\)")]
    private static partial Regex Pronunciation();

    [GeneratedRegex(@"^\s*,?\s*(?:(?:n|v|a|adv|prep|conj|interj|pron|p\. p|p\. pr|vb\. n|imp|pl|t|i|sing|superl|compar)\.\s*[,;&]?\s*)+" +
        @"(?:pl\.\s*\{[^}]*\}\.?\s*)?")]
    private static partial Regex PartOfSpeech();
}
