using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

public sealed record TeacherTrainingResult(ClassificationScores Test, ClassificationScores NaiveBayesTest, ClassificationScores BestDev, int BestEpoch, string Folder);

/// <summary>
/// Fine-tunes a teacher (the prior's body plus a classification head) on a task's training split, selects the
/// epoch on dev, scores it and a Naive Bayes baseline on test, and saves it as a checkpoint with a model card.
/// Shared by the command line and the dashboard's "train teacher".
/// </summary>
public static class TeacherTraining
{
    public static TeacherTrainingResult Train(TaskDataset task, string priorFolder, string output, ClassifierTrainingConfig config, Device device,
        Action<string> log, bool half = false, string? commandLine = null, CancellationToken cancellation = default)
    {
        config.Validate();
        LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(priorFolder, device);
        var train = Labeled(task, task.Splits.Train);
        var dev = Labeled(task, task.Splits.Dev);
        var test = Labeled(task, task.Splits.Test);

        var naiveBayes = new NaiveBayesBaseline(train, task.Labels.Count);
        var naiveBayesScores = ClassificationMetrics.Score(test.Select(e => naiveBayes.Predict(e.Text)).ToList(), test.Select(e => e.Label).ToList(), task.Labels.Count);
        log($"Naive Bayes on {task.Name} test: {naiveBayesScores}");

        manual_seed(config.Seed);
        var teacher = GptClassifier.FromLanguageModel(prior.Model, task.Labels.Count, config.Dropout, config.Pooling);
        var batcher = new TextBatcher(prior.Tokenizer, Math.Min(config.MaximumLength, teacher.Config.ContextLength));
        var devLog = new List<string>();
        var trainer = new ClassifierTrainer(config, batcher, progress =>
        {
            string line = FormattableString.Invariant($"epoch {progress.Epoch} step {progress.Step}/{progress.Steps} loss {progress.Loss:F4} {progress.SecondsElapsed:F0}s")
                          + (progress.Dev is null ? "" : $"; dev {progress.Dev}");
            log(line);
            if (progress.Dev is not null) devLog.Add(line);
        });
        var started = DateTime.UtcNow;
        trainer.Train(teacher, train, dev, task.Labels.Count, cancellation);
        cancellation.ThrowIfCancellationRequested();
        var predictions = ClassifierInference.Predict(teacher, batcher, test.Select(e => e.Text).ToList());
        var testScores = ClassificationMetrics.Score(predictions, test.Select(e => e.Label).ToList(), task.Labels.Count);
        log($"teacher on {task.Name} test: {testScores} (best dev epoch {trainer.BestEpoch}: {trainer.BestDev})");

        var card = new ModelCard
        {
            Title = $"Teacher: {task.Name}",
            Summary = $"The teacher T for the '{task.Name}' task{(task.Info.StandsInFor.Length > 0 ? $" ({task.Info.StandsInFor})" : "")}: the language prior's body with a linear head on " +
                      (config.Pooling == ClassifierPooling.Mean ? "the mean of its token states, " : "the last token, ") +
                      "fine-tuned on the task's training split. PromptDFD distils it without that data.",
            Facts =
            [
                ("architecture", $"GPT2ForSequenceClassification layout, {teacher.Config.Layers} layers, width {teacher.Config.Width}, {teacher.Classes} classes"),
                ("parameters", teacher.parameters().Sum(p => p.numel()).ToString("N0", CultureInfo.InvariantCulture)),
                ("initialised from", $"{Path.GetFileName(Path.GetFullPath(priorFolder))} (sha256 {prior.WeightsSha256[..16]}…)"),
                ("labels", string.Join(", ", task.Labels)),
                ("training", FormattableString.Invariant($"{config.Epochs} epochs, batch {config.BatchSize}, AdamW lr {config.LearningRate}, weight decay {config.WeightDecay}, {(config.LanguageModelWeight > 0 ? FormattableString.Invariant($"auxiliary LM loss x {config.LanguageModelWeight}, ") : "")}dropout {config.Dropout}, {(config.Pooling == ClassifierPooling.Mean ? "mean" : "last-token")} pooling, max length {batcher.MaximumLength}, seed {config.Seed}; best dev epoch {trainer.BestEpoch}")),
                ("wall time", $"{(DateTime.UtcNow - started).TotalMinutes:F1} min, {TorchRuntime.Describe()}"),
            ],
            Metrics =
            [
                ("test accuracy", testScores.Accuracy.ToString("P1", CultureInfo.InvariantCulture)),
                ("test macro-F1", testScores.MacroF1.ToString("P1", CultureInfo.InvariantCulture)),
                ("dev accuracy (selection)", trainer.BestDev!.Accuracy.ToString("P1", CultureInfo.InvariantCulture)),
                ("Naive Bayes test accuracy", naiveBayesScores.Accuracy.ToString("P1", CultureInfo.InvariantCulture)),
                ("Naive Bayes test macro-F1", naiveBayesScores.MacroF1.ToString("P1", CultureInfo.InvariantCulture)),
                ("beats Naive Bayes", testScores.Accuracy > naiveBayesScores.Accuracy ? "yes" : "no"),
                .. devLog.Select(l => ("log", l)),
            ],
            Commands = [commandLine ?? CommandFor(task, config, half)],
            Hashes = [("task data (task.json + splits)", task.Sha256()), ("prior model.safetensors", prior.WeightsSha256)],
        };
        var training = JsonSerializer.SerializeToNode(config) as JsonObject;
        training!["task"] = task.Name;
        training["test_accuracy"] = testScores.Accuracy;
        training["test_macro_f1"] = testScores.MacroF1;
        training["naive_bayes_test_accuracy"] = naiveBayesScores.Accuracy;
        Checkpoint.SaveClassifier(output, teacher, task.Labels, priorFolder, card, training, half);
        log($"saved teacher -> {output}");
        return new TeacherTrainingResult(testScores, naiveBayesScores, trainer.BestDev, trainer.BestEpoch, output);
    }

    private static readonly ClassifierTrainingConfig Defaults = new();

    public static string CommandFor(TaskDataset task, ClassifierTrainingConfig config, bool half) =>
        $"dotnet run --project PromptDfd.Cli -c Release -- train-teacher --task {task.Name} --epochs {config.Epochs} --batch {config.BatchSize} --lr {config.LearningRate.ToString(CultureInfo.InvariantCulture)} --max-length {config.MaximumLength} --seed {config.Seed}"
        + (config.Pooling != Defaults.Pooling ? $" --pooling {config.Pooling.Name()}" : "")
        + (config.WeightDecay != Defaults.WeightDecay ? FormattableString.Invariant($" --weight-decay {config.WeightDecay}") : "")
        + (config.LanguageModelWeight != Defaults.LanguageModelWeight ? FormattableString.Invariant($" --lm-weight {config.LanguageModelWeight}") : "")
        + (config.Dropout != Defaults.Dropout ? FormattableString.Invariant($" --dropout {config.Dropout}") : "")
        + (half ? " --precision f16" : "");

    private static List<(string Text, int Label)> Labeled(TaskDataset task, IReadOnlyList<LabeledExample> examples) =>
        examples.Select(e => (e.Text, task.LabelIndex(e.Label))).ToList();
}
