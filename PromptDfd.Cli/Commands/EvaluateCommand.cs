using System.CommandLine;
using System.Text.Json.Nodes;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;

namespace PromptDfd.Cli.Commands;

/// <summary>Scores a classifier checkpoint on a task split next to the Naive Bayes baseline trained on the task's train split.</summary>
public sealed class EvaluateCommand : CliCommand
{
    private readonly TaskOptions task = new();
    private readonly Option<string?> model = CliOptions.Text("--model", "the classifier checkpoint (default: the task's teacher)");
    private readonly Option<string> split = SplitOption.Create();
    private readonly Option<string?> against = CliOptions.Text("--against", "a second classifier, compared text by text with the first");
    private readonly Option<string?> predictions = CliOptions.Text("--predictions", "write every text's class probabilities to this " +
        "JSONL file");
    private readonly ComputeOptions compute = new();

    public EvaluateCommand() : base("evaluate", "score a classifier checkpoint on a task split next to Naive Bayes, and against another") =>
        AddOptions([.. task.All, model, split, against, predictions, .. compute.All]);

    protected override int Run(ParseResult parsed)
    {
        var (taskName, taskFolder) = this.task.Read(parsed);
        string model = parsed.GetValue(this.model) ?? Repository.Workspace.Teacher(taskName);
        string split = parsed.GetValue(this.split)!;
        string against = parsed.GetValue(this.against) ?? "";
        string predictions = parsed.GetValue(this.predictions) ?? "";
        var device = compute.Apply(parsed);

        var task = TaskDataset.Load(taskFolder);
        IReadOnlyList<LabeledExample> examples = SplitChoice.Of(task, split);
        var (classifier, batcher) = Load(model, task, device);
        string name = Path.GetFileName(Path.GetFullPath(model));
        float[][] probabilities = ClassifierInference.Probabilities(classifier.Module, batcher, examples.Select(e => e.Text).ToList());
        var comparison = BaselineComparison.Of(probabilities, task, examples, NaiveBayesBaseline.TrainedOn(task));
        Console.WriteLine($"{name} on {task.Name} {split}: {comparison.Classifier}");
        Console.WriteLine($"Naive Bayes on {task.Name} {split}: {comparison.NaiveBayes}");
        // Whether a gap of a point or two is more than chance decides what a comparison with the baseline may claim.
        Console.WriteLine($"{name} (first) against Naive Bayes (second): {comparison.Paired}");
        if (predictions.Length > 0) WritePredictions(predictions, classifier.Labels, probabilities, examples);
        if (against.Length == 0) return 0;

        // A candidate replacing a shipped model should win by more than chance on dev, not by a text or two.
        var (other, otherBatcher) = Load(against, task, device);
        string otherName = Path.GetFileName(Path.GetFullPath(against));
        float[][] otherProbabilities = ClassifierInference.Probabilities(other.Module, otherBatcher, examples.Select(e => e.Text).ToList());
        var candidate = ClassifierComparison.Of(probabilities, otherProbabilities, task, examples);
        Console.WriteLine($"{otherName} on {task.Name} {split}: {candidate.Second}");
        Console.WriteLine($"{name} (first) against {otherName} (second): {candidate.Paired}");
        return 0;
    }

    /// <summary>One JSON line per text: its label, the class predicted and every class's probability, for error analysis.</summary>
    private static void WritePredictions(string path, IReadOnlyList<string> labels, float[][] probabilities,
        IReadOnlyList<LabeledExample> examples)
    {
        int[] predicted = ClassifierInference.Predicted(probabilities);
        var lines = examples.Select((example, i) => new JsonObject
        {
            ["text"] = example.Text,
            ["label"] = example.Label,
            ["predicted"] = labels[predicted[i]],
            ["probabilities"] = new JsonObject(labels.Select((label, k) => KeyValuePair.Create(label, (JsonNode?)probabilities[i][k]))),
        }.ToJsonString());
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllLines(path + ".partial", lines);
        File.Move(path + ".partial", path, overwrite: true);
        Console.WriteLine($"predictions for {examples.Count} texts -> {path}");
    }

    private static (LoadedClassifier Classifier, TextBatcher Batcher) Load(string folder, TaskDataset task, TorchSharp.torch.Device device)
    {
        var classifier = Checkpoint.LoadClassifier(folder, device);
        if (!task.Info.IsPredictedBy(classifier.Labels))
            throw new InvalidDataException($"{folder} predicts [{string.Join(", ", classifier.Labels)}] but task '{task.Name}' has " +
                $"[{string.Join(", ", task.Labels)}]; pass the matching --model, --against or --task.");
        return (classifier, new TextBatcher(classifier.Tokenizer, classifier.Classifier.ContextLength));
    }
}
