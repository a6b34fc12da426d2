using System.Text;
using System.Text.Json;

namespace PromptDfd.Engine.Text;

public sealed record BpeTrainerConfig
{
    /// <summary>Final vocabulary size including the 256 byte tokens and the special tokens.</summary>
    public int VocabularySize { get; init; } = 8000;

    /// <summary>A pair must occur at least this often to be merged; stops early on small corpora.</summary>
    public int MinimumPairFrequency { get; init; } = 2;

    public IReadOnlyList<string> SpecialTokens { get; init; } = [TokenizerFactory.EndOfText, TokenizerFactory.Padding];

    public void Validate()
    {
        int minimum = 256 + SpecialTokens.Count + 1;
        if (VocabularySize < minimum)
        {
            throw new ArgumentException($"BPE vocabulary size {VocabularySize} is too small: it needs at least {minimum} (256 bytes, the " +
                $"special tokens and one merge).");
        }
        if (MinimumPairFrequency < 1) throw new ArgumentException("BPE minimum pair frequency must be at least 1.");
    }
}

/// <summary>The files a trained byte-level BPE consists of, in Hugging Face GPT-2 format.</summary>
public sealed record BpeVocabulary(IReadOnlyList<string> Tokens, IReadOnlyList<(string Left, string Right)> Merges)
{
    // As Hugging Face writes vocab.json: byte-level symbols such as "Ġ" stay as they are, not \u escapes.
    private static readonly JsonSerializerOptions VocabularyJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var vocabulary = new Dictionary<string, int>(Tokens.Count);
        for (int id = 0; id < Tokens.Count; id++) vocabulary[Tokens[id]] = id;
        File.WriteAllText(Path.Combine(folder, TokenizerFactory.VocabularyFile),
            JsonSerializer.Serialize(vocabulary, VocabularyJson));
        var merges = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in Merges) merges.Append(left).Append(' ').Append(right).Append('\n');
        File.WriteAllText(Path.Combine(folder, TokenizerFactory.MergesFile), merges.ToString());
    }
}

/// <summary>
/// Trains a byte-level BPE the way GPT-2's was made: split text into words with GPT-2's rule, start from the
/// 256 bytes, and repeatedly merge the most frequent adjacent pair. Pair counts are updated incrementally,
/// touching only the words that contain the merged pair, so millions of words train in seconds.
/// Ties break on the lower pair of ids, which makes training deterministic.
/// </summary>
public static class ByteLevelBpeTrainer
{

    public static BpeVocabulary Train(IEnumerable<string> texts, BpeTrainerConfig config)
    {
        config.Validate();
        var wordFrequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        var regex = Gpt2PreTokenizer.Regex();
        foreach (string text in texts)
        {
            foreach (var match in regex.EnumerateMatches(text))
            {
                string word = text.Substring(match.Index, match.Length);
                wordFrequencies[word] = wordFrequencies.GetValueOrDefault(word) + 1;
            }
        }

        var tokens = new List<string>(config.VocabularySize);
        for (int b = 0; b < 256; b++) tokens.Add(ByteLevelAlphabet.ToChar((byte)b).ToString());

        var words = new List<int[]>(wordFrequencies.Count);
        var frequencies = new List<long>(wordFrequencies.Count);
        foreach (var (word, frequency) in wordFrequencies.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            words.Add(Encoding.UTF8.GetBytes(word).Select(b => (int)b).ToArray());
            frequencies.Add(frequency);
        }

        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, HashSet<int>>();
        for (int w = 0; w < words.Count; w++) AddPairs(w, words[w], frequencies[w], pairCounts, pairWords);

        var merges = new List<(string, string)>();
        int mergeBudget = config.VocabularySize - 256 - config.SpecialTokens.Count;
        while (merges.Count < mergeBudget)
        {
            long best = -1, bestCount = 0;
            foreach (var (pair, count) in pairCounts)
            {
                if (count > bestCount || (count == bestCount && count > 0 && pair < best)) { best = pair; bestCount = count; }
            }
            if (best < 0 || bestCount < config.MinimumPairFrequency) break;

            int left = (int)(best >> 32), right = (int)(best & 0xffffffff), merged = tokens.Count;
            tokens.Add(tokens[left] + tokens[right]);
            merges.Add((tokens[left], tokens[right]));
            foreach (int w in pairWords[best].ToArray())
            {
                RemovePairs(w, words[w], frequencies[w], pairCounts, pairWords);
                words[w] = Merge(words[w], left, right, merged);
                AddPairs(w, words[w], frequencies[w], pairCounts, pairWords);
            }
        }
        tokens.AddRange(config.SpecialTokens);
        return new BpeVocabulary(tokens, merges);
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static void AddPairs(int word, int[] symbols, long frequency, Dictionary<long, long> counts, Dictionary<long,
        HashSet<int>> index)
    {
        for (int i = 0; i + 1 < symbols.Length; i++)
        {
            long key = Key(symbols[i], symbols[i + 1]);
            counts[key] = counts.GetValueOrDefault(key) + frequency;
            if (!index.TryGetValue(key, out var set)) index[key] = set = [];
            set.Add(word);
        }
    }

    private static void RemovePairs(int word, int[] symbols, long frequency, Dictionary<long, long> counts, Dictionary<long,
        HashSet<int>> index)
    {
        for (int i = 0; i + 1 < symbols.Length; i++)
        {
            long key = Key(symbols[i], symbols[i + 1]);
            long remaining = counts[key] - frequency;
            if (remaining <= 0) { counts.Remove(key); index.Remove(key); }
            else { counts[key] = remaining; index[key].Remove(word); }
        }
    }

    private static int[] Merge(int[] symbols, int left, int right, int merged)
    {
        var result = new List<int>(symbols.Length);
        for (int i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right) { result.Add(merged); i++; }
            else result.Add(symbols[i]);
        }
        return result.ToArray();
    }
}
