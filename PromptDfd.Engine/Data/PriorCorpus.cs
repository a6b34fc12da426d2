using System.Text.Json;
using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Data;

public sealed record PriorDocument(string Source, string Text);

public sealed record PriorCorpusStatistics(int Documents, long Words, int SentencesRemovedAsTaskDuplicates, int DuplicateDocuments,
    IReadOnlyDictionary<string, long> WordsBySource);

/// <summary>
/// The language prior's training text: general English documents with every sentence that equals a task text
/// (after normalisation) removed, so the prior has never seen the classification data verbatim.
/// Stored as JSONL ({"source","text"}), with every 50th document held out for perplexity.
/// </summary>
public static partial class PriorCorpus
{
    public const string TrainFile = "train.jsonl";
    public const string ValidFile = "valid.jsonl";
    public const int HoldOutEvery = 50;

    public static (List<PriorDocument> Documents, PriorCorpusStatistics Statistics) Build(
        IEnumerable<PriorDocument> documents, IEnumerable<string> taskTexts)
    {
        var taskKeys = taskTexts.Select(TextCleaning.DeduplicationKey).ToHashSet(StringComparer.Ordinal);
        var seenDocuments = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<PriorDocument>();
        var wordsBySource = new SortedDictionary<string, long>(StringComparer.Ordinal);
        int removedSentences = 0, duplicateDocuments = 0;
        foreach (PriorDocument document in documents)
        {
            var sentences = new List<string>();
            foreach (string paragraph in document.Text.Split('\n'))
            {
                foreach (string sentence in SentenceEnd().Split(paragraph))
                {
                    string clean = TextCleaning.Normalize(sentence);
                    if (clean.Length == 0) continue;
                    if (taskKeys.Contains(TextCleaning.DeduplicationKey(clean))) { removedSentences++; continue; }
                    sentences.Add(clean);
                }
            }
            string text = string.Join(' ', sentences);
            if (text.Length == 0) continue;
            if (!seenDocuments.Add(TextCleaning.DeduplicationKey(text))) { duplicateDocuments++; continue; }
            kept.Add(document with { Text = text });
            wordsBySource[document.Source] = wordsBySource.GetValueOrDefault(document.Source) + TextCleaning.WordCount(text);
        }
        var statistics = new PriorCorpusStatistics(kept.Count, wordsBySource.Values.Sum(), removedSentences, duplicateDocuments,
            wordsBySource);
        return (kept, statistics);
    }

    public static void Save(string folder, IReadOnlyList<PriorDocument> documents)
    {
        Directory.CreateDirectory(folder);
        using var train = new StreamWriter(Path.Combine(folder, TrainFile));
        using var valid = new StreamWriter(Path.Combine(folder, ValidFile));
        for (int i = 0; i < documents.Count; i++)
            (i % HoldOutEvery == HoldOutEvery - 1 ? valid : train).WriteLine(JsonSerializer.Serialize(documents[i]));
    }

    public static IEnumerable<PriorDocument> Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Prior corpus '{path}' does not exist. Create it with: dotnet run --project PromptDfd.Cli " +
                $"-- data", path);
        foreach (string line in File.ReadLines(path))
            if (line.Length > 0) yield return JsonSerializer.Deserialize<PriorDocument>(line)!;
    }

    // Split after . ! ? (optionally followed by a closing quote) and whitespace.
    [GeneratedRegex(@"(?<=[.!?][""')\]]?)\s+")]
    private static partial Regex SentenceEnd();
}
