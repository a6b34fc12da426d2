using System.Text.Json;

namespace PromptDfd.Engine.Data.Preparation;

/// <summary>UCI "Sentiment Labelled Sentences" (Amazon, Yelp, IMDb; Kotzias et al. 2015) as shipped in npm sentiment 5.0.2.</summary>
public static class SentimentSentences
{
    public static readonly string[] Labels = ["negative", "positive"];

    public static IReadOnlyList<LabeledExample> Read(string packageFolder)
    {
        var examples = new List<LabeledExample>();
        foreach (string site in new[] { "amazon", "yelp", "imdb" })
        {
            string path = Path.Combine(packageFolder, "package", "test", "fixtures", site + ".json");
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (JsonElement item in document.RootElement.EnumerateArray())
            {
                if (!item.TryGetProperty("text", out JsonElement text) || !item.TryGetProperty("class", out JsonElement label)) continue;
                string clean = TextCleaning.Normalize(text.GetString() ?? "");
                if (clean.Length == 0) continue;
                examples.Add(new LabeledExample(clean, Labels[label.GetInt32()], $"{site}:{clean}"));
            }
        }
        return examples;
    }
}
