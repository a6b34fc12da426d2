using System.Globalization;
using System.Text;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>One fold: what was held out, which epoch the inner dev split chose, and the held-out scores.</summary>
/// <param name="ByEpoch">held-out scores of every epoch's weights, for reading the schedule, not for choosing it</param>
public sealed record CrossValidationFold(int Fold, int HeldOutDocuments, int HeldOut, int Trained, int InnerDev, int SelectedEpoch,
    ClassificationScores Teacher, ClassificationScores NaiveBayes, ClassificationScores? Averaged,
        IReadOnlyList<ClassificationScores> ByEpoch);

/// <summary>Every fold and the scores pooled over all held-out texts, with paired tests on the same texts.</summary>
public sealed record CrossValidationResult(IReadOnlyList<CrossValidationFold> Folds, ClassificationScores Teacher,
    ClassificationScores NaiveBayes,
    PairedComparison TeacherAgainstNaiveBayes, ClassificationScores? Averaged, PairedComparison? AveragedAgainstNaiveBayes,
    PairedComparison? AveragedAgainstTeacher, IReadOnlyList<ClassificationScores> ByEpoch)
{
    public string ToMarkdown(string title, string command)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# {title}\n\n```\n{command}\n```\n\n");
        bool averaged = Averaged is not null;
        text.Append("| fold | held-out documents | held-out texts | training texts | inner-dev texts | epoch chosen | teacher | Naive " +
            "Bayes |")
            .Append(averaged ? " averaged weights |" : "").Append(" by epoch |\n");
        text.Append("|---|---|---|---|---|---|---|---|").Append(averaged ? "---|" : "").Append("---|\n");
        foreach (var fold in Folds)
            text.Append(CultureInfo.InvariantCulture,
                $"| {fold.Fold} | {fold.HeldOutDocuments} | {fold.HeldOut} | {fold.Trained} | {fold.InnerDev} | {fold.SelectedEpoch} | " +
                    $"{Percent(fold.Teacher)} | {Percent(fold.NaiveBayes)} |")
                .Append(averaged ? $" {Percent(fold.Averaged!)} |" : "")
                .Append(' ').Append(string.Join(", ", fold.ByEpoch.Select(Percent))).Append(" |\n");
        text.Append(CultureInfo.InvariantCulture,
            $"| all | {Folds.Sum(f => f.HeldOutDocuments)} | {Teacher.Count} | | | | **{Percent(Teacher)}** | **{Percent(NaiveBayes)}** |")
            .Append(averaged ? $" **{Percent(Averaged!)}** |" : "")
            .Append(' ').Append(string.Join(", ", ByEpoch.Select(Percent))).Append(" |\n\n");
        text.Append(CultureInfo.InvariantCulture, $"- teacher against Naive Bayes on the same texts: {TeacherAgainstNaiveBayes}\n");
        if (averaged)
        {
            text.Append(CultureInfo.InvariantCulture, $"- averaged weights against Naive Bayes: {AveragedAgainstNaiveBayes}\n");
            text.Append(CultureInfo.InvariantCulture,
                $"- averaged weights against the teacher with its epoch chosen on inner dev: {AveragedAgainstTeacher}\n");
        }
        return text.ToString();
    }

    private static string Percent(ClassificationScores scores) => scores.Accuracy.ToString("P1", CultureInfo.InvariantCulture);
}

/// <summary>
/// Estimates how a teacher recipe compares with Naive Bayes over many more documents than one dev or test split
/// holds: the training and dev splits are pooled and cut into folds by document (the test split is never read);
/// for each fold a teacher is fine-tuned on the other folds with its epoch chosen on an inner dev split, as
/// <see cref="TeacherTraining"/> chooses it, and Naive Bayes is fitted on the same training texts.
/// </summary>
public static class TeacherCrossValidation
{
    public const string FoldSeed = "promptdfd-cross-validation";
    public const string InnerDevSeed = "promptdfd-cross-validation-dev";

    /// <summary>The shipped splits give dev 10 % of the documents beside 80 % for training.</summary>
    public const double InnerDevFraction = 1.0 / 9;

    public static CrossValidationResult Run(TaskDataset task, string priorFolder, ClassifierTrainingConfig config, int folds, Device device,
        Action<string> log, CancellationToken cancellation = default)
    {
        config.Validate();
        if (config.Restarts != 1)
            throw new ArgumentException($"Cross-validation fine-tunes one teacher per fold; drop --restarts (got {config.Restarts}).");
        var assigned = DatasetSplitter.Folds(task.Splits.Train.Concat(task.Splits.Dev), folds, FoldSeed);
        if (assigned.FirstOrDefault(f => f.Count == 0) is not null)
            throw new ArgumentException($"Task '{task.Name}' has too few documents for {folds} folds: one fold would be empty. Use fewer " +
                $"folds.");
        LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(priorFolder, device);
        var batcher = new TextBatcher(prior.Tokenizer, Math.Min(config.MaximumLength, prior.Model.Config.ContextLength));
        int classes = task.Labels.Count;

        var foldResults = new List<CrossValidationFold>();
        var actual = new List<int>();
        var teacherPredicted = new List<int>();
        var naiveBayesPredicted = new List<int>();
        var averagedPredicted = new List<int>();
        var epochPredicted = Enumerable.Range(0, config.Epochs).Select(_ => new List<int>()).ToArray();
        for (int fold = 0; fold < folds; fold++)
        {
            var heldOut = assigned[fold];
            var inner = DatasetSplitter.Split(assigned.Where((_, other) => other != fold).SelectMany(f => f), InnerDevSeed,
                InnerDevFraction, testFraction: 0);
            if (inner.Dev.Count == 0 || inner.Train.Count == 0)
                throw new ArgumentException($"Task '{task.Name}' has too few documents to hold out an inner dev split in fold {fold + 1} " +
                    $"of {folds}. Use fewer folds.");
            var texts = heldOut.Select(e => e.Text).ToList();
            var labels = heldOut.Select(e => task.LabelIndex(e.Label)).ToList();

            var naiveBayes = new NaiveBayesBaseline(TeacherTraining.Labeled(task, inner.Train), classes);
            var naiveBayesFold = texts.Select(naiveBayes.Predict).ToList();

            manual_seed(config.Seed);
            using var teacher = TeacherTraining.NewTeacher(prior.Model, classes, config);
            var byEpoch = new List<int[]>();
            Dictionary<string, Tensor>? average = null;
            int averagedEpochs = 0;
            string prefix = $"fold {fold + 1}/{folds}: ";
            var trainer = new ClassifierTrainer(config with { AverageFromEpoch = 0 }, batcher, progress =>
                log(prefix + FormattableString.Invariant(
                $"epoch {progress.Epoch} step {progress.Step}/{progress.Steps} loss {progress.Loss:F4} {progress.SecondsElapsed:F0}s")
                    + (progress.Dev is null ? "" : $"; inner dev {progress.Dev}")));
            trainer.Train(teacher, TeacherTraining.Labeled(task, inner.Train), TeacherTraining.Labeled(task, inner.Dev), classes,
                epoch =>
            {
                byEpoch.Add(ClassifierInference.Predict(teacher, batcher, texts));
                if (config.AverageFromEpoch > 0 && epoch >= config.AverageFromEpoch)
                    average = WeightAveraging.AddToMean(average, teacher, ++averagedEpochs);
            }, cancellation);
            cancellation.ThrowIfCancellationRequested();
            int[] selected = byEpoch[trainer.BestEpoch - 1];
            int[]? averaged = null;
            if (average is not null)
            {
                teacher.load_state_dict(average);
                WeightAveraging.Dispose(average);
                averaged = ClassifierInference.Predict(teacher, batcher, texts);
            }

            var result = new CrossValidationFold(fold + 1, heldOut.Select(e => e.Group ?? e.Text).Distinct().Count(), heldOut.Count,
                inner.Train.Count, inner.Dev.Count,
                trainer.BestEpoch, Score(selected, labels, classes), Score(naiveBayesFold, labels, classes), averaged is null ? null
                    : Score(averaged, labels, classes),
                byEpoch.Select(p => Score(p, labels, classes)).ToList());
            log(prefix + $"{result.HeldOutDocuments} documents held out; epoch {result.SelectedEpoch} chosen on inner dev; teacher " +
                $"{result.Teacher}; Naive Bayes {result.NaiveBayes}"
                + (result.Averaged is null ? "" : $"; averaged weights {result.Averaged}"));
            foldResults.Add(result);
            actual.AddRange(labels);
            teacherPredicted.AddRange(selected);
            naiveBayesPredicted.AddRange(naiveBayesFold);
            if (averaged is not null) averagedPredicted.AddRange(averaged);
            for (int epoch = 0; epoch < byEpoch.Count; epoch++) epochPredicted[epoch].AddRange(byEpoch[epoch]);
        }

        bool withAverage = config.AverageFromEpoch > 0;
        return new CrossValidationResult(foldResults, Score(teacherPredicted, actual, classes), Score(naiveBayesPredicted, actual, classes),
            PairedComparison.Of(teacherPredicted, naiveBayesPredicted, actual),
            withAverage ? Score(averagedPredicted, actual, classes) : null,
            withAverage ? PairedComparison.Of(averagedPredicted, naiveBayesPredicted, actual) : null,
            withAverage ? PairedComparison.Of(averagedPredicted, teacherPredicted, actual) : null,
            epochPredicted.Select(p => Score(p, actual, classes)).ToList());
    }

    private static ClassificationScores Score(IReadOnlyList<int> predicted, IReadOnlyList<int> actual, int classes) =>
        ClassificationMetrics.Score(predicted, actual, classes);
}
