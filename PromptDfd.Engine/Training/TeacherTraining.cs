using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

public sealed record TeacherTrainingResult(ClassificationScores Test, ClassificationScores NaiveBayesTest, ClassificationScores BestDev,
    int BestEpoch, string Folder,
    long KeptSeed, IReadOnlyList<TeacherRestart> Restarts, string? WeakerThanNaiveBayes = null);

/// <summary>One fine-tuning restart: its seed and the dev scores of its best epoch.</summary>
public sealed record TeacherRestart(long Seed, ClassificationScores BestDev, int BestEpoch);

/// <summary>
/// Fine-tunes a teacher (the prior's body plus a classification head) on a task's training split, selects the
/// epoch on dev, scores it and a Naive Bayes baseline on test, and saves it as a checkpoint with a model card.
/// Shared by the command line and the dashboard's "train teacher".
/// </summary>
public static class TeacherTraining
{
    public static TeacherTrainingResult Train(TaskDataset task, string priorFolder, string output, ClassifierTrainingConfig config,
        Device device,
        Action<string> log, bool half = false, string? commandLine = null, CancellationToken cancellation = default)
    {
        config.Validate();
        TeacherBase source = TeacherBase.Load(priorFolder, device);
        var train = Labeled(task, task.Splits.Train);
        var dev = Labeled(task, task.Splits.Dev);

        var naiveBayes = NaiveBayesBaseline.TrainedOn(task);
        var naiveBayesScores = naiveBayes.Score(task, task.Splits.Test);
        log($"Naive Bayes on {task.Name} dev: {naiveBayes.Score(task, task.Splits.Dev)}; test: {naiveBayesScores}");

        var batcher = new TextBatcher(source.Tokenizer, Math.Min(config.MaximumLength, source.ContextLength));
        var devLog = new List<string>();
        var restarts = new List<TeacherRestart>();
        nn.Module? teacher = null;
        ClassificationScores? bestDev = null;
        int bestEpoch = 0;
        long keptSeed = config.Seed;
        var started = DateTime.UtcNow;
        for (int restart = 0; restart < config.Restarts; restart++)
        {
            long seed = config.Seed + restart;
            string prefix = config.Restarts > 1 ? $"seed {seed}: " : "";
            manual_seed(seed);
            var candidate = source.NewTeacher(task.Labels.Count, config);
            var candidateLog = new List<string>();
            var trainer = new ClassifierTrainer(config with { Seed = seed }, batcher, progress =>
            {
                string line = prefix + (progress.Averaged
                    ? $"weights averaged over epochs {config.AverageFromEpoch}–{config.Epochs}: dev {progress.Dev}"
                    : string.Create(CultureInfo.InvariantCulture,
                        $"epoch {progress.Epoch} step {progress.Step}/{progress.Steps} loss {progress.Loss:F4} " +
                            $"{progress.SecondsElapsed:F0}s{Eta(progress)}")
                      + (progress.Dev is null ? "" : $"; dev {progress.Dev}"));
                log(line);
                if (progress.Dev is not null) candidateLog.Add(line);
            });
            trainer.Train(candidate, train, dev, task.Labels.Count, cancellation: cancellation);
            cancellation.ThrowIfCancellationRequested();
            var outcome = new TeacherRestart(seed, trainer.BestDev!, trainer.BestEpoch);
            restarts.Add(outcome);
            if (bestDev is null || outcome.BestDev.Accuracy > bestDev.Accuracy)
            {
                teacher?.Dispose();
                (teacher, bestDev, bestEpoch, keptSeed) = (candidate, outcome.BestDev, outcome.BestEpoch, seed);
                devLog.Clear();
                devLog.AddRange(candidateLog);
            }
            else candidate.Dispose();
        }
        if (teacher is null || bestDev is null) throw new InvalidOperationException("Restarts must be at least 1.");
        if (config.Restarts > 1) log($"kept seed {keptSeed} of {config.Restarts} restarts: {string.Join("; ", restarts.Select(Describe))}");
        var onTest = BaselineComparison.On(teacher, batcher, task, task.Splits.Test, naiveBayes);
        var testScores = onTest.Classifier;
        log($"teacher on {task.Name} test: {testScores} ({Selection(config, bestEpoch)}: {bestDev})");
        string? weaker = TeacherCard.WeakerThanNaiveBayes(onTest);
        if (weaker is not null) log($"warning: {weaker}");

        var card = new ModelCard
        {
            Title = TeacherCard.Title(task),
            Summary = (config.FromScratch, source.IsEncoder) switch
            {
                (true, false) => TeacherCard.Summary(task, config.Pooling,
                    "trained from random weights on the task's training split (an ablation: the prior gave only its architecture and " +
                        "tokenizer).",
                    body: "a network of the language prior's shape"),
                (false, false) => TeacherCard.Summary(task, config.Pooling, "fine-tuned on the task's training split."),
                (true, true) => TeacherCard.Summary(task, config.Pooling, "trained from random weights on the task's training split.",
                    body: $"a BERT-family encoder of {Path.GetFileName(Path.GetFullPath(priorFolder))}'s shape",
                        head: TeacherCard.FirstTokenHead(teacher)),
                (false, true) => TeacherCard.Summary(task, config.Pooling, "fine-tuned on the task's training split.",
                    body: $"the BERT-family encoder {Path.GetFileName(Path.GetFullPath(priorFolder))}",
                        head: TeacherCard.FirstTokenHead(teacher)),
            },
            Warning = weaker,
            Facts =
            [
                .. TeacherCard.Architecture(teacher),
                ("initialised from", (config.FromScratch ? $"random weights (seed {keptSeed}), in the architecture of " : "")
                    + $"{Path.GetFileName(Path.GetFullPath(priorFolder))} (sha256 {source.WeightsSha256[..16]}…)"),
                ("labels", string.Join(", ", task.Labels)),
                ("training", TrainingDescription(config, source, batcher, keptSeed, bestEpoch)),
                TeacherCard.Evaluation(batcher),
                .. TrainingProvenance.Rows(DateTime.UtcNow - started),
            ],
            Metrics =
            [
                .. TeacherCard.Scores(onTest, bestDev),
                .. (config.Restarts > 1 ? restarts.Select(r => ("restart", Describe(r))) : []),
                .. devLog.Select(l => ("log", l)),
            ],
            Commands = [commandLine ?? CommandFor(task, config, half, baseFolder: BaseOption(priorFolder))],
            Hashes = [("task data (task.json + splits)", task.Sha256()), (source.WeightsName, source.WeightsSha256)],
        };
        var training = JsonSerializer.SerializeToNode(config) as JsonObject;
        training!["task"] = task.Name;
        training["kept_seed"] = keptSeed;
        training["test_accuracy"] = testScores.Accuracy;
        training["test_macro_f1"] = testScores.MacroF1;
        training["naive_bayes_test_accuracy"] = naiveBayesScores.Accuracy;
        training["prior_sha256"] = source.WeightsSha256;
        Checkpoint.SaveClassifier(output, teacher, task.Labels, priorFolder, card, training, half);
        log($"saved teacher -> {output}");
        return new TeacherTrainingResult(testScores, naiveBayesScores, bestDev, bestEpoch, output, keptSeed, restarts, weaker);
    }

    /// <summary>
    /// The --base a card's command needs: none for the shipped prior (the default), else the folder, relative to the
    /// repository when inside it.
    /// </summary>
    private static string? BaseOption(string folder)
    {
        string full = Path.GetFullPath(folder);
        string? root = Infrastructure.RepositoryRoot.Find();
        if (root is null) return full;
        if (full == Path.Combine(root, "models", "prior")) return null;
        string relative = Path.GetRelativePath(root, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative.Replace('\\', '/');
    }

    /// <summary>The recipe in one line of the card: every setting that differs from plain fine-tuning is named.</summary>
    private static string TrainingDescription(ClassifierTrainingConfig config, TeacherBase source, TextBatcher batcher, long seed,
        int bestEpoch)
    {
        var parts = new List<string>
        {
            I($"{config.Epochs} epochs"), I($"batch {config.BatchSize}"), I($"AdamW lr {config.LearningRate}"),
                I($"weight decay {config.WeightDecay}"),
        };
        if (config.FromScratch) parts.Add("from random weights");
        if (config.LanguageModelWeight > 0) parts.Add(I($"auxiliary LM loss x {config.LanguageModelWeight}"));
        if (config.FreezeTokenEmbeddings) parts.Add("token embeddings frozen");
        if (config.LayerDecay < 1) parts.Add(I($"layer-wise learning-rate decay {config.LayerDecay}"));
        if (config.RandomWindows) parts.Add("random windows of long texts");
        if (config.WholeTexts) parts.Add("whole texts (loss on the mean over windows)");
        parts.Add(I($"dropout {config.Dropout}"));
        string pooling = source.IsEncoder ? "[CLS]" : config.Pooling == ClassifierPooling.Mean ? "mean" : "last-token";
        parts.Add($"{pooling} pooling");
        parts.Add(I($"max length {batcher.MaximumLength}"));
        string restarts = config.Restarts > 1
            ? I($" (best dev of {config.Restarts} restarts, seeds {config.Seed}–{config.Seed + config.Restarts - 1})") : "";
        parts.Add(I($"seed {seed}{restarts}"));
        return $"{string.Join(", ", parts)}; {Selection(config, bestEpoch)}";

        static string I(FormattableString text) => FormattableString.Invariant(text);
    }

    private static string Selection(ClassifierTrainingConfig config, int bestEpoch) =>
        config.AverageFromEpoch > 0
            ? $"weights averaged over epochs {config.AverageFromEpoch}–{config.Epochs}" : $"best dev epoch {bestEpoch}";

    // The pace of this restart's steps so far; evaluations on dev and later restarts come on top.
    private static string Eta(ClassifierProgress progress) => progress.Step <= 0 || progress.Step >= progress.Steps ? ""
        : $", ETA {RemainingTime.Format(RemainingTime.AtPace(progress.SecondsElapsed, progress.Step, progress.Steps))}";

    private static string Describe(TeacherRestart restart) =>
        FormattableString.Invariant($"seed {restart.Seed}: best dev accuracy {restart.BestDev.Accuracy:P1} (epoch {restart.BestEpoch})");

    private static readonly ClassifierTrainingConfig Defaults = new();

    /// <param name="command">the command reading these options: train-teacher, or cross-validate-teacher for the same recipe</param>
    /// <param name="baseFolder">what was fine-tuned when it was not the shipped prior (see <see cref="BaseOption"/>)</param>
    public static string CommandFor(TaskDataset task, ClassifierTrainingConfig config, bool half, string command = "train-teacher",
        string? baseFolder = null) =>
        $"dotnet run --project PromptDfd.Cli -c Release -- {command} --task {task.Name}" + (baseFolder is null
            ? "" : $" --base {baseFolder}")
                + $" --epochs {config.Epochs} --batch {config.BatchSize} --lr " +
                    $"{config.LearningRate.ToString(CultureInfo.InvariantCulture)} --max-length {config.MaximumLength} --seed {config.Seed}"
        + (config.Pooling != Defaults.Pooling ? $" --pooling {config.Pooling.Name()}" : "")
        + (config.WeightDecay != Defaults.WeightDecay ? FormattableString.Invariant($" --weight-decay {config.WeightDecay}") : "")
        + (config.LanguageModelWeight != Defaults.LanguageModelWeight
            ? FormattableString.Invariant($" --lm-weight {config.LanguageModelWeight}") : "")
        + (config.Dropout != Defaults.Dropout ? FormattableString.Invariant($" --dropout {config.Dropout}") : "")
        + (config.FreezeTokenEmbeddings ? " --freeze-embeddings" : "")
        + (config.LayerDecay != Defaults.LayerDecay ? FormattableString.Invariant($" --layer-decay {config.LayerDecay}") : "")
        + (config.RandomWindows ? " --random-windows" : "")
        + (config.WholeTexts ? " --whole-texts" : "")
        + (config.AverageFromEpoch > 0 ? $" --average-from-epoch {config.AverageFromEpoch}" : "")
        + (config.Restarts != Defaults.Restarts ? $" --restarts {config.Restarts}" : "")
        + (config.FromScratch ? " --from-scratch" : "")
        + (half ? " --precision f16" : "");

    /// <summary>A teacher before training: the prior's body with a fresh head, or, for the from-scratch ablation, random weights
    /// throughout.</summary>
    public static GptClassifier NewTeacher(GptLanguageModel prior, int classes, ClassifierTrainingConfig config)
    {
        if (!config.FromScratch) return GptClassifier.FromLanguageModel(prior, classes, config.Dropout, config.Pooling);
        var teacher = new GptClassifier(prior.Config with { Dropout = config.Dropout }, classes, config.Pooling);
        teacher.to(prior.Body.TokenEmbedding.device);
        return teacher;
    }

    internal static List<(string Text, int Label)> Labeled(TaskDataset task, IReadOnlyList<LabeledExample> examples) =>
        examples.Select(e => (e.Text, task.LabelIndex(e.Label))).ToList();
}
