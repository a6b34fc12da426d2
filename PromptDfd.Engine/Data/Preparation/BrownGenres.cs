using System.Text;

namespace PromptDfd.Engine.Data.Preparation;

/// <summary>
/// Brown Corpus documents cut into chunks of whole paragraphs (at least <see cref="MinimumWords"/> words), labelled
/// with one of four coarse genres. Every chunk carries its document id as group, so splits never divide a document.
/// </summary>
public static class BrownGenres
{
    public const int MinimumWords = 60;

    public static readonly IReadOnlyDictionary<string, string> CoarseGenre = new Dictionary<string, string>
    {
        ["news"] = "press",
        ["editorial"] = "press",
        ["reviews"] = "press",
        ["learned"] = "learned",
        ["government"] = "learned",
        ["fiction"] = "fiction",
        ["mystery"] = "fiction",
        ["science_fiction"] = "fiction",
        ["adventure"] = "fiction",
        ["romance"] = "fiction",
        ["humor"] = "fiction",
        ["religion"] = "general",
        ["hobbies"] = "general",
        ["lore"] = "general",
        ["belles_lettres"] = "general",
    };

    public static IReadOnlyList<LabeledExample> Read(string packageFolder)
    {
        string root = Path.Combine(packageFolder, "package");
        var examples = new List<LabeledExample>();
        foreach (string line in File.ReadLines(Path.Combine(root, "cats.txt")))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) continue;
            string label = CoarseGenre[parts[1]];
            foreach (string chunk in Chunks(File.ReadAllText(Path.Combine(root, parts[0]))))
                examples.Add(new LabeledExample(chunk, label, parts[0]));
        }
        return examples;
    }

    /// <summary>Paragraphs (separated by blank lines) detokenised and grouped until each chunk is long enough.</summary>
    public static IEnumerable<string> Chunks(string taggedDocument)
    {
        var current = new StringBuilder();
        foreach (string paragraph in taggedDocument.Split(["\n\n", "\r\n\r\n"], StringSplitOptions.RemoveEmptyEntries))
        {
            string text = Detokenize(paragraph);
            if (text.Length == 0) continue;
            if (current.Length > 0) current.Append(' ');
            current.Append(text);
            if (TextCleaning.WordCount(current.ToString()) >= MinimumWords) { yield return current.ToString(); current.Clear(); }
        }
        if (current.Length > 0 && TextCleaning.WordCount(current.ToString()) >= MinimumWords / 2) yield return current.ToString();
    }

    /// <summary>"The/at jury/nn ,/, ``/`` yes/rb ''/''" → "The jury, "yes"".</summary>
    public static string Detokenize(string taggedParagraph)
    {
        var words = new List<string>();
        foreach (string token in taggedParagraph.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries))
        {
            int slash = token.LastIndexOf('/');
            string word = slash > 0 ? token[..slash] : token;
            words.Add(word is "``" or "''" ? "\"" : word);
        }
        var text = new StringBuilder();
        bool openQuote = true, glueNext = false;
        foreach (string word in words)
        {
            bool isQuote = word == "\"";
            bool attachLeft = (word.Length > 0 && ".,;:!?)%".Contains(word[0]) && word.All(c => !char.IsLetterOrDigit(c)))
                              || word.StartsWith('\'') || word == "n't" || (isQuote && !openQuote);
            if (text.Length > 0 && !attachLeft && !glueNext) text.Append(' ');
            text.Append(word);
            glueNext = word == "(" || (isQuote && openQuote);
            if (isQuote) openQuote = !openQuote;
        }
        return TextCleaning.Normalize(text.ToString());
    }
}
