using System.Globalization;
using System.Text;

namespace PromptDfd.Engine.Data;

/// <summary>card.md for a task: source, licence, counts, class balance and average length per split.</summary>
public static class DatasetCard
{
    public static string Render(TaskDataset dataset, string? extra)
    {
        var text = new StringBuilder($"# Task: {dataset.Name}\n\n");
        if (dataset.Info.Description.Length > 0) text.Append(dataset.Info.Description).Append("\n\n");
        text.Append("| | |\n|---|---|\n");
        if (dataset.Info.StandsInFor.Length > 0) text.Append($"| stands in for | {dataset.Info.StandsInFor} |\n");
        text.Append($"| source | {dataset.Info.Source} |\n| licence | {dataset.Info.Licence} |\n");
        text.Append($"| classes | {string.Join(", ", dataset.Labels)} |\n\n");
        text.Append("| split | examples | average words | " + string.Join(" | ", dataset.Labels) + " |\n");
        text.Append("|---|---|---|" + string.Concat(dataset.Labels.Select(_ => "---|")) + "\n");
        foreach (var (name, examples) in dataset.Named())
        {
            double words = examples.Count == 0 ? 0 : examples.Average(e => TextCleaning.WordCount(e.Text));
            text.Append($"| {name} | {examples.Count} | {words.ToString("F1", CultureInfo.InvariantCulture)} | ");
            text.Append(string.Join(" | ", dataset.Labels.Select(l => examples.Count(e => e.Label == l)))).Append(" |\n");
        }
        text.Append('\n');
        if (!string.IsNullOrWhiteSpace(extra)) text.Append(extra.Trim()).Append('\n');
        return text.ToString();
    }
}
