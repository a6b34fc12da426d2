using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Text;

namespace PromptDfd.Engine.Synthesis;

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

    public void Validate()
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
        ConfigProblems.ThrowIfAny("prompt mining", problems);
    }
}

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
