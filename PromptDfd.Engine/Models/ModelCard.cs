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

    public string ToMarkdown()
    {
        var text = new StringBuilder($"# {Title}\n\n");
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

    private static void Table(StringBuilder text, string heading, IReadOnlyList<(string Name, string Value)> rows)
    {
        if (rows.Count == 0) return;
        text.Append($"## {heading}\n\n| | |\n|---|---|\n");
        foreach (var (name, value) in rows) text.Append($"| {name} | {value} |\n");
        text.Append('\n');
    }
}
