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
public static class EvaluateCommand
{
    public static int Run(CommandArguments arguments)
    {
        var (taskName, taskFolder) = arguments.Task();
        string model = arguments.String("model", Repository.Workspace.Teacher(taskName));
        string split = arguments.String("split", "dev");
        string against = arguments.String("against", "");
        string predictions = arguments.String("predictions", "");
        var device = TorchRuntime.ResolveDevice(arguments.String("device", "auto"));
        TorchRuntime.ConfigureThreads(arguments.Int("threads", 0));
        arguments.RejectUnknown();

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
