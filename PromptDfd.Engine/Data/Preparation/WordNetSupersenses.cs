namespace PromptDfd.Engine.Data.Preparation;

/// <summary>
/// WordNet noun synsets labelled with their lexicographer file ("supersense": animal, food, person, ...), the text
/// being "lemma: gloss". Keeps the most frequent classes and caps each so the task is balanced, like DBpedia-14.
/// </summary>
public static class WordNetSupersenses
{
    private static readonly string[] NounFiles =
    [
        "Tops", "act", "animal", "artifact", "attribute", "body", "cognition", "communication", "event", "feeling", "food",
        "group", "location", "motive", "object", "person", "phenomenon", "plant", "possession", "process", "quantity",
        "relation", "shape", "state", "substance", "time",
    ];

    public static IReadOnlyList<LabeledExample> Read(string packageFolder, int classes = 14, int perClass = 1000)
    {
        string path = Path.Combine(packageFolder, "package", "dict", "data.noun");
        var byClass = new Dictionary<string, List<LabeledExample>>();
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("  ", StringComparison.Ordinal)) continue; // licence header
            int bar = line.IndexOf(" | ", StringComparison.Ordinal);
            if (bar < 0) continue;
            string[] fields = line[..bar].Split(' ');
            int lexicographerFile = int.Parse(fields[1]);
            if (lexicographerFile < 3 || lexicographerFile - 3 >= NounFiles.Length) continue;
            string label = NounFiles[lexicographerFile - 3];
            string lemma = fields[4].Replace('_', ' ');
            string gloss = line[(bar + 3)..];
            int examplesStart = gloss.IndexOf("; \"", StringComparison.Ordinal);
            if (examplesStart > 0) gloss = gloss[..examplesStart];
            string text = TextCleaning.Normalize($"{lemma}: {gloss}");
            if (!byClass.TryGetValue(label, out var list)) byClass[label] = list = [];
            list.Add(new LabeledExample(text, label, fields[0]));
        }
        var kept = byClass.OrderByDescending(p => p.Value.Count).ThenBy(p => p.Key, StringComparer.Ordinal).Take(classes);
        // Spread the cap evenly over the file (it is ordered by synset offset, roughly by topic) with a fixed stride.
        return kept.SelectMany(p => p.Value.Count <= perClass
                ? p.Value
                : Enumerable.Range(0, perClass).Select(i => p.Value[(int)((long)i * p.Value.Count / perClass)]))
            .ToList();
    }
}
