using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Text;

namespace PromptDfd.Engine.Prompter;


/// <summary>A word the teacher reads as one class: its mean log-probability of that class
/// and its margin in nats over the next most likely class.</summary>
public sealed record MinedWord(string Word, double LogProbability, double Margin);

/// <summary>
/// Finds each class's topic words by asking the teacher: every whole lower-case word of the prior's vocabulary is
/// read in a few neutral templates; a word goes to the class it is most likely under on average, when the teacher
/// also picks that class in enough of the templates, and each class keeps its words with the widest margin.
/// Needs no hand-written prompts, so it serves any task, including one a user brings.
/// </summary>
public static class TopicWordMiner
{
    /// <param name="classify">the teacher's class probabilities for each text</param>
    public static IReadOnlyList<IReadOnlyList<MinedWord>> Mine(ITextTokenizer priorTokenizer, int classes, Func<IReadOnlyList<string>,
        float[][]> classify, PromptMiningConfig config)
    {
        config.Validate();
        var words = CandidateWords(priorTokenizer, config.MinimumLetters);
        if (words.Count == 0) throw new InvalidOperationException("The prior's vocabulary has no whole lower-case words to mine topic " +
            "words from.");
        var logProbabilities = new double[words.Count, classes];
        var votes = new int[words.Count, classes];
        foreach (string template in config.ScoringTemplates)
        {
            float[][] probabilities = classify(words.Select(w => string.Format(template, w)).ToList());
            for (int w = 0; w < words.Count; w++)
            {
                votes[w, ArgMax(probabilities[w])]++;
                for (int c = 0; c < classes; c++) logProbabilities[w, c] += Math.Log(Math.Max(probabilities[w][c],
                    1e-12)) / config.ScoringTemplates.Length;
            }
        }
        int neededVotes = (int)Math.Ceiling(config.MinimumAgreement * config.ScoringTemplates.Length - 1e-9);
        var mined = Enumerable.Range(0, classes).Select(_ => new List<MinedWord>()).ToArray();
        for (int w = 0; w < words.Count; w++)
        {
            int c = Enumerable.Range(0, classes).MaxBy(k => logProbabilities[w, k]);
            if (votes[w, c] < neededVotes) continue;
            double runnerUp = Enumerable.Range(0, classes).Where(o => o != c).Max(o => logProbabilities[w, o]);
            mined[c].Add(new MinedWord(words[w], logProbabilities[w, c], logProbabilities[w, c] - runnerUp));
        }
        return mined.Select(list => (IReadOnlyList<MinedWord>)list.OrderByDescending(m => m.Margin).ThenBy(m => m.Word,
            StringComparer.Ordinal)
            .Take(config.WordsPerClass).ToList()).ToList();
    }

    /// <summary>Topic prompts per label: each mined word in the prompt template. A class the teacher never picks
    /// in enough templates gets its own label as a word instead, so no class is left without prompts.</summary>
    public static Dictionary<string, string[]> Prompts(IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<MinedWord>> mined,
        PromptMiningConfig config) =>
        labels.Select((label, c) => (label, words: mined[c].Count > 0 ? mined[c].Select(m => m.Word) : [label.ToLowerInvariant()]))
            .ToDictionary(p => p.label, p => config.PromptTemplates.SelectMany(t => p.words.Select(w => string.Format(t, w))).ToArray());

    /// <summary>Vocabulary entries that are a whole word: a leading space and then only lower-case letters.</summary>
    public static IReadOnlyList<string> CandidateWords(ITextTokenizer tokenizer, int minimumLetters)
    {
        var words = new SortedSet<string>(StringComparer.Ordinal);
        for (int id = 0; id < tokenizer.VocabularySize; id++)
        {
            if (id == tokenizer.EndOfTextId || id == tokenizer.PaddingId) continue;
            string piece = tokenizer.Decode([id]);
            if (piece.Length < minimumLetters + 1 || piece[0] != ' ') continue;
            string word = piece[1..];
            if (word.All(ch => ch is >= 'a' and <= 'z')) words.Add(word);
        }
        return words.ToList();
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
