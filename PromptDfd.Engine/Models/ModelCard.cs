using System.Text;

namespace PromptDfd.Engine.Models;

/// <summary>The human-readable card.md in every checkpoint folder: what the model is, how it was made, how well it does.</summary>
public sealed record ModelCard
{
    public required string Title { get; init; }
    public string Summary { get; init; } = "";
    public IReadOnlyList<(string Name, string Value)> Facts { get; init; } = [];
    public IReadOnlyList<(string Name, string Value)> Metrics { get; init; } = [];
    public IReadOnlyList<string> Commands { get; init; } = [];
    public IReadOnlyList<(string Name, string Sha256)> Hashes { get; init; } = [];
    public IReadOnlyList<string> Samples { get; init; } = [];
    /// <summary>What a user of the model must know before anything else (e.g. a teacher weaker than a simple baseline).</summary>
    public string? Warning { get; init; }

    public string ToMarkdown()
    {
        var text = new StringBuilder($"# {Title}\n\n");
        if (Warning is not null) text.Append("> **Warning.** ").Append(Warning).Append("\n\n");
        if (Summary.Length > 0) text.Append(Summary).Append("\n\n");
        Table(text, "Model", Facts);
        Table(text, "Metrics", Metrics);
        if (Commands.Count > 0)
        {
            text.Append("## Reproduce\n\n```bash\n");
            foreach (string command in Commands) text.Append(command).Append('\n');
            text.Append("```\n\n");
        }
        Table(text, "Hashes (SHA-256)", Hashes.Select(h => (h.Name, $"`{h.Sha256}`")).ToList());
        if (Samples.Count > 0)
        {
            text.Append("## Samples\n\n");
            foreach (string sample in Samples) text.Append("> ").Append(sample.ReplaceLineEndings(" ")).Append("\n\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// Notes a precision conversion in a rendered card: a sentence under the summary and the command at the end of Reproduce,
    /// so the card still re-creates the stored file. Converting again replaces the note instead of adding another.
    /// </summary>
    public static string RecordConversion(string markdown, string command, bool half)
    {
        string[] notes = [HalfNote, FullNote];
        foreach (string note in notes) markdown = markdown.Replace(note, "", StringComparison.Ordinal);
        string[] lines = markdown.Split('\n');
        var result = new List<string>();
        bool inReproduce = false, noteAdded = false;
        foreach (string line in lines)
        {
            if (!noteAdded && line.StartsWith("## ", StringComparison.Ordinal))
            {
                // The summary is the paragraph before the first section; the note joins it.
                int last = result.FindLastIndex(l => l.Length > 0);
                if (last > 0) result[last] += " " + (half ? HalfNote : FullNote).Trim();
                noteAdded = true;
            }
            if (line == "## Reproduce") inReproduce = true;
            if (inReproduce && line == "```" && result.Count > 0 && result[^1] != "```bash")
            {
                result.RemoveAll(l => l.Contains(" convert --model ", StringComparison.Ordinal));
                result.Add(command);
                inReproduce = false;
            }
            result.Add(line);
        }
        return string.Join('\n', result);
    }

    /// <summary>The commands in a rendered card's Reproduce section, in order.</summary>
    public static IReadOnlyList<string> ReadCommands(string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        int heading = Array.IndexOf(lines, "## Reproduce");
        if (heading < 0) return [];
        return lines.Skip(heading + 1).SkipWhile(l => l != "```bash").Skip(1).TakeWhile(l => l != "```").Where(l => l.Length > 0).ToList();
    }

    /// <summary>The SHA-256 a rendered card lists under the given name in its Hashes section, or null.</summary>
    public static string? ReadHash(string markdown, string name)
    {
        string prefix = $"| {name} | `";
        string? row = markdown.ReplaceLineEndings("\n").Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return row is null ? null : row[prefix.Length..].Split('`')[0];
    }

    private const string HalfNote = " The weights are stored as float16 (converted after training); the metrics were measured in float32.";
    private const string FullNote = " The weights are stored as float32.";

    private static void Table(StringBuilder text, string heading, IReadOnlyList<(string Name, string Value)> rows)
    {
        if (rows.Count == 0) return;
        text.Append($"## {heading}\n\n| | |\n|---|---|\n");
        foreach (var (name, value) in rows) text.Append($"| {name} | {value} |\n");
        text.Append('\n');
    }
}
