using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Data;

/// <summary>What task.json says about a task: its classes and where the data came from.</summary>
public sealed record TaskInfo
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> Labels { get; init; }
    public string Description { get; init; } = "";
    public string Source { get; init; } = "";
    public string Licence { get; init; } = "";
    /// <summary>The benchmark it stands in for, e.g. "SST-2", "AG News", "DBpedia".</summary>
    public string StandsInFor { get; init; } = "";

    /// <summary>
    /// Whether a classifier naming these classes, in this order, predicts this task's classes. Case aside: Hugging Face
    /// checkpoints often name them in capitals (distilbert-base-uncased-finetuned-sst-2-english says NEGATIVE, POSITIVE).
    /// </summary>
    public bool IsPredictedBy(IReadOnlyList<string> classifierLabels) =>
        classifierLabels.Count == Labels.Count && classifierLabels.Zip(Labels).All(pair =>
            string.Equals(pair.First, pair.Second, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// A classification task on disk: task.json, train/dev/test.jsonl (one {"text","label"} object per line) and card.md.
/// Loading validates every line and reports the file and line of each problem.
/// </summary>
public sealed class TaskDataset
{
    public const string InfoFile = "task.json";
    public static readonly string[] SplitNames = ["train", "dev", "test"];
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    private static readonly JsonSerializerOptions Line = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required TaskInfo Info { get; init; }
    public required DatasetSplits Splits { get; init; }
    public string? Folder { get; init; }

    public string Name => Info.Name;
    public IReadOnlyList<string> Labels => Info.Labels;

    public int LabelIndex(string label) => Info.Labels.ToList().IndexOf(label) is var i and >= 0
        ? i : throw new ArgumentException($"Label '{label}' is not one of the task's labels ({string.Join(", ", Info.Labels)}).");

    public string Sha256() => FileHash.Sha256(SplitNames.Select(s => Path.Combine(Folder!, s + ".jsonl")).Prepend(Path.Combine(Folder!,
        InfoFile)));

    public void Save(string folder, string? cardExtra = null)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, InfoFile), JsonSerializer.Serialize(Info, Json));
        foreach (var (name, examples) in Named())
        {
            var text = new StringBuilder();
            foreach (LabeledExample example in examples)
                text.Append(JsonSerializer.Serialize(new JsonlRow(example.Text, example.Label, example.Group), Line)).Append('\n');
            File.WriteAllText(Path.Combine(folder, name + ".jsonl"), text.ToString());
        }
        File.WriteAllText(Path.Combine(folder, "card.md"), DatasetCard.Render(this, cardExtra));
    }

    public static TaskDataset Load(string folder)
    {
        TaskInfo info = LoadInfo(folder);
        var splits = SplitNames.Select(s => (IReadOnlyList<LabeledExample>)DatasetFileReader.ReadJsonl(Path.Combine(folder, s + ".jsonl"),
            "text", "label")).ToArray();
        var dataset = new TaskDataset { Info = info, Splits = new DatasetSplits(splits[0], splits[1], splits[2]), Folder = folder };
        DatasetValidator.Validate(dataset);
        return dataset;
    }

    /// <summary>The task's name, description and labels without reading its splits.</summary>
    public static TaskInfo LoadInfo(string folder)
    {
        string infoPath = Path.Combine(folder, InfoFile);
        if (!Directory.Exists(folder)) throw new FileNotFoundException(NoSuchTask(folder), infoPath);
        if (!File.Exists(infoPath)) throw new FileNotFoundException($"'{folder}' is not a task folder: it has no {InfoFile}.", infoPath);
        return JsonSerializer.Deserialize<TaskInfo>(File.ReadAllText(infoPath), Json)
               ?? throw new InvalidDataException($"'{infoPath}' is empty.");
    }

    /// <summary>A missing task is usually a typo or a dataset not registered yet; the message lists what is there.</summary>
    private static string NoSuchTask(string folder)
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(folder)) ?? ".";
        var present = Directory.Exists(parent)
            ? Directory.GetDirectories(parent).Where(d => File.Exists(Path.Combine(d,
                InfoFile))).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()
            : [];
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        return $"There is no task '{name}' ({folder} does not exist). "
            + (present.Count > 0 ? $"Tasks there: {string.Join(", ", present)}. " : "")
            + $"Bring your own with: register --file <csv or jsonl> --name {name}.";
    }

    public IEnumerable<(string Name, IReadOnlyList<LabeledExample> Examples)> Named()
    {
        yield return ("train", Splits.Train);
        yield return ("dev", Splits.Dev);
        yield return ("test", Splits.Test);
    }

    private sealed record JsonlRow(
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("label")] string Label,
        [property: JsonPropertyName("group")] string? Group);
}
