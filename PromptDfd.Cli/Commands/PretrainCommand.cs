using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptDfd.Cli.Arguments;
using PromptDfd.Cli.Output;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Cli.Commands;

public sealed class PretrainCommand : CliCommand
{
    private readonly Option<string> corpus = CliOptions.Text("--corpus", "the prior corpus folder", Repository.Workspace.PriorCorpus);
    private readonly Option<string> tokenizer = CliOptions.Text("--tokenizer", "the tokenizer folder", Repository.Workspace.Tokenizer);
    private readonly Option<string> output = CliOptions.Text("--out", "the model folder to write (with --student: models/student-body)",
        Repository.Workspace.Prior);
    private readonly Option<bool> resume = CliOptions.Switch("--resume", "continue the unfinished pre-training in --out");
    private readonly Option<string?> init = CliOptions.Text("--init", "continue pre-training this finished model, with its shape and " +
        "tokenizer (e.g. on a corpus with a register the first lacked)");
    private readonly Option<bool> student = CliOptions.Switch("--student", "a language model of the student's shape, for runs to start " +
        "their student from (RunConfig.StudentBodyFolder, shipped as models/student-body): it keeps the prior's tokenizer, and its card " +
        "says what it is for");
    private readonly ComputeOptions compute = new();
    private readonly Option<int> steps = CliOptions.Whole("--steps", "optimizer steps", 3600, minimum: 1);
    private readonly Option<int> batch = CliOptions.Whole("--batch", "sequences per step", 32, minimum: 1);
    private readonly Option<double> learningRate = CliOptions.Number("--lr", "peak learning rate (cosine schedule)", 1e-3);
    private readonly Option<int> evaluateEvery = CliOptions.Whole("--eval-every", "steps between validation losses", 200, minimum: 1);
    private readonly Option<int> checkpointEvery = CliOptions.Whole("--checkpoint-every", "steps between resumable checkpoints", 400,
        minimum: 1);
    private readonly Option<long> seed = CliOptions.Long("--seed", "the seed of initialisation and data order", 1234);
    private readonly Option<int> context = CliOptions.Whole("--context", "tokens per sequence (the model's context length)", 128);
    private readonly Option<int> layers = CliOptions.Whole("--layers", "transformer blocks", 4);
    private readonly Option<int> heads = CliOptions.Whole("--heads", "attention heads per block", 4);
    private readonly Option<int> width = CliOptions.Whole("--width", "the model's width (n_embd)", 256);

    public PretrainCommand() : base("pretrain", "pre-train the GPT language prior (models/prior)") => AddOptions([corpus, tokenizer,
        output, resume, init, student, .. compute.All, steps, batch, learningRate, evaluateEvery, checkpointEvery, seed, context, layers, heads,
        width]);

    protected override int Run(ParseResult parsed)
    {
        string corpusFolder = parsed.GetValue(corpus)!, tokenizerFolder = parsed.GetValue(this.tokenizer)!;
        bool forStudent = parsed.GetValue(student);
        // A student body goes beside the prior, never over it, unless --out says where.
        string output = forStudent && parsed.GetResult(this.output) is null or { Implicit: true }
            ? Repository.Workspace.Resolve(RunConfig.DefaultStudentBody) : parsed.GetValue(this.output)!;
        bool resume = parsed.GetValue(this.resume);
        string init = parsed.GetValue(this.init) ?? "";
        bool shapeGiven = new[] { layers, width, heads, context }.Any(option => parsed.GetResult(option) is { Implicit: false });
        int threads = parsed.GetValue(compute.Threads);
        Device device = TorchRuntime.ResolveDevice(parsed.GetValue(compute.Device)!);
        var training = new PretrainConfig
        {
            Steps = parsed.GetValue(steps),
            BatchSize = parsed.GetValue(batch),
            LearningRate = parsed.GetValue(learningRate),
            EvaluateEvery = parsed.GetValue(evaluateEvery),
            CheckpointEvery = parsed.GetValue(checkpointEvery),
            Seed = parsed.GetValue(seed),
        };
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(tokenizerFolder);
        var model = new GptConfig
        {
            VocabularySize = tokenizer.VocabularySize,
            ContextLength = parsed.GetValue(context),
            Layers = parsed.GetValue(layers),
            Heads = parsed.GetValue(heads),
            Width = parsed.GetValue(width),
        };
        // Continued pre-training takes the starting model's shape; a shape given as well would be silently ignored.
        LoadedLanguageModel? start = init.Length == 0 ? null : StartingModel(init, tokenizerFolder, shapeGiven);
        if (start is not null) model = start.Model.Config;
        model.Validate();
        training.Validate();
        TorchRuntime.ConfigureThreads(threads);

        // Optimizer state and the rest of what continuing needs sit beside the model until the last step, then go.
        string resumeFolder = Path.Combine(output, ResumeFolder);
        bool unfinished = Directory.Exists(AtomicFolder.Existing(resumeFolder));
        if (resume && !unfinished)
            throw new UsageException($"'{output}' has no unfinished pre-training to resume ({ResumeFolder}/ is missing); run pretrain " +
                $"without --resume.");
        if (!resume && unfinished)
            throw new UsageException($"'{output}' holds an unfinished pre-training; add --resume to continue it, or choose another --out " +
                $"(or delete {resumeFolder}) to start over.");

        string trainPath = Path.Combine(corpusFolder, PriorCorpus.TrainFile), validPath = Path.Combine(corpusFolder, PriorCorpus.ValidFile);
        var clock = Stopwatch.StartNew();
        var train = new TokenStream(PriorCorpus.Load(trainPath).Select(d => d.Text), tokenizer);
        var valid = new TokenStream(PriorCorpus.Load(validPath).Select(d => d.Text), tokenizer);
        var origin = new Origin(string.Join(", ", PriorCorpus.Load(trainPath).Select(d => d.Source).Distinct(StringComparer.Ordinal)),
            start is null ? null : (init, start.WeightsSha256), forStudent, corpusFolder, output);
        Console.WriteLine($"tokenised {train.Length:N0} train / {valid.Length:N0} valid tokens in {clock.Elapsed.TotalSeconds:F1} s; " +
                          $"model {model.ParameterCount():N0} parameters on {device}");

        TorchRuntime.Seed(training.Seed);
        var gpt = start?.Model ?? new GptLanguageModel(model);
        gpt.to(device);
        LanguageModelPretrainer? trainer = null;
        var pace = System.Diagnostics.Stopwatch.StartNew();
        int? firstStep = null;
        trainer = new LanguageModelPretrainer(training,
            progress =>
            {
                firstStep ??= progress.Step - 1;
                Console.WriteLine(Describe(progress) + " · " + ProgressLine.Render("steps", progress.Step, progress.Steps, pace.Elapsed,
                    firstStep.Value));
            },
            checkpoint =>
            {
                Save(gpt, tokenizer, tokenizerFolder, output, training, checkpoint.Step, trainer!, trainPath, validPath, train.Length,
                    origin);
                if (checkpoint.Finished) AtomicFolder.Delete(resumeFolder);
                else checkpoint.SaveResumeState(resumeFolder);
            });
        using var cancellation = new CancellationTokenSource();
        // Ctrl+C, and the SIGTERM of `kill` (background jobs ignore SIGINT), both stop at the next step with a checkpoint.
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            Console.WriteLine("stopping (saving a checkpoint to resume from)...");
            cancellation.Cancel();
        }
        using (PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop))
        using (PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop))
        {
            trainer.Train(gpt, train, valid, resume ? resumeFolder : null, cancellation.Token);
        }
        Console.WriteLine(cancellation.IsCancellationRequested
            ? $"stopped; continue with the same command and --resume -> {output}"
            : $"done in {trainer.TrainingTime.TotalMinutes:F1} min of training -> {output}");
        return 0;
    }

    private const string ResumeFolder = "resume";

    /// <param name="Sources">the corpus's sources, as the data command names them</param>
    /// <param name="ContinuedFrom">the model continued with --init, and its weights' hash</param>
    /// <param name="Student">written for runs to start their student from, with the prior's tokenizer</param>
    /// <param name="Corpus">the corpus folder and <paramref name="Output"/> the model folder, as given</param>
    private sealed record Origin(string Sources, (string Folder, string Sha256)? ContinuedFrom, bool Student, string Corpus, string Output);

    /// <summary>An option naming a folder other than its default, so the card's commands write where this model was written.</summary>
    private static string FolderOption(string option, string value, string defaultValue) =>
        Path.GetFullPath(value) == Path.GetFullPath(defaultValue) ? "" : $" {option} {value}";

    private static readonly string[] ShapeOptions = ["layers", "width", "heads", "context"];

    /// <summary>Continued pre-training (e.g. on text of a register the first corpus lacked) starts from a finished model with the
    /// same tokenizer.</summary>
    private static LoadedLanguageModel StartingModel(string folder, string tokenizerFolder, bool shapeGiven)
    {
        if (shapeGiven)
            throw new UsageException($"--init continues '{folder}' with its own shape; leave out --{string.Join(", --", ShapeOptions)}.");
        LoadedLanguageModel start = Checkpoint.LoadLanguageModel(folder);
        string ownVocabulary = Path.Combine(tokenizerFolder, TokenizerFactory.VocabularyFile);
        string startVocabulary = Path.Combine(folder, TokenizerFactory.VocabularyFile);
        if (FileHash.Sha256(ownVocabulary) != FileHash.Sha256(startVocabulary))
            throw new UsageException($"--init '{folder}' was trained with another tokenizer than '{tokenizerFolder}'; pass its own with " +
                $"--tokenizer {folder}.");
        return start;
    }

    private static string Describe(PretrainProgress progress) =>
        string.Create(CultureInfo.InvariantCulture, $"step {progress.Step}/{progress.Steps} loss {progress.Loss:F3} lr {progress.LearningRate:E2} " +
            $"{progress.TokensPerSecond:F0} tok/s")
        + (progress.ValidationLoss is double v ? FormattableString.Invariant($"; valid loss {v:F3} perplexity {Math.Exp(v):F1}") : "");

    private static void Save(GptLanguageModel model, ITextTokenizer tokenizer, string tokenizerFolder, string output,
        PretrainConfig training,
        int step, LanguageModelPretrainer trainer, string trainPath, string validPath, int trainTokens, Origin origin)
    {
        double validationLoss = trainer.LastValidationLoss;
        var prompts = new[] { "The", "In the morning", "The committee said", "I think" };
        var encoded = prompts.Select(p => tokenizer.Encode(p)).ToList();
        // Small test models have short contexts: the card's samples fit in whatever the prompts leave.
        int newTokens = Math.Min(40, model.Config.ContextLength - encoded.Max(p => p.Count));
        var samples = Generation.Generate(model, encoded, new SamplingConfig { MaxNewTokens = Math.Max(1, newTokens), TopP = 0.9 },
            tokenizer.EndOfTextId, tokenizer.PaddingId, new Generator(42));
        var sampleTexts = samples.Tokens.Select((t, i) => prompts[i] + tokenizer.Decode(t.Select(x => (int)x))).ToList();
        var card = new ModelCard
        {
            Title = origin.Student ? "Student body: a small GPT pre-trained on general English"
                : "Language prior: GPT pre-trained on general English",
            Summary = (origin.Student
                    ? "The language model whose body a run's student starts from (the run config's StudentBodyFolder; the class head " +
                        "starts fresh from the run's seed). It reads the prior's tokenizer, so it reads the prior's samples. "
                    : "The frozen language prior G of PromptDFD, and the initialisation of the topic prompter and the teachers. ") +
                (origin.ContinuedFrom is { } from
                    ? $"Continued by our own code from {from.Folder} (weights SHA-256 {from.Sha256[..16]}…)"
                    : "Trained from scratch by our own code") +
                $" on the prior corpus (sources: {origin.Sources}), which is deduplicated against every task text.",
            Facts =
            [
                ("architecture", $"GPT-2 layout, {model.Config.Layers} layers, width {model.Config.Width}, {model.Config.Heads} heads, " +
                    $"context {model.Config.ContextLength}"),
                ("parameters", model.Config.ParameterCount().ToString("N0", CultureInfo.InvariantCulture)),
                ("tokenizer", tokenizer.Description),
                ("training", $"{step} of {training.Steps} steps x {training.BatchSize} x {model.Config.ContextLength} tokens (corpus " +
                    $"{trainTokens:N0} tokens), AdamW, cosine lr {training.LearningRate}, seed {training.Seed}"),
                .. TrainingProvenance.Rows(trainer.TrainingTime),
            ],
            Metrics = [("held-out loss", validationLoss.ToString("F3", CultureInfo.InvariantCulture)),
                ("held-out perplexity", Math.Exp(validationLoss).ToString("F1", CultureInfo.InvariantCulture)),
                    .. trainer.ValidationHistory.Select(h => ("log", Describe(h)))],
            Commands =
            [
                $"dotnet run --project PromptDfd.Cli -c Release -- data --prior-sources {origin.Sources.Replace(", ", ",")}" +
                    FolderOption("--prior-out", origin.Corpus, Repository.Workspace.PriorCorpus),
                // Continued pre-training and a student body keep the prior's tokenizer; retraining one on the new corpus would change
                // every id.
                .. (origin.ContinuedFrom is null && !origin.Student
                    ? new[] { "dotnet run --project PromptDfd.Cli -c Release -- tokenizer --vocab 8000" } : []),
                $"dotnet run --project PromptDfd.Cli -c Release -- pretrain{(origin.Student ? " --student" : "")}" +
                    FolderOption("--corpus", origin.Corpus, Repository.Workspace.PriorCorpus) +
                    FolderOption("--out", origin.Output, origin.Student ? Repository.Workspace.Resolve(RunConfig.DefaultStudentBody)
                        : Repository.Workspace.Prior) +
                    $" --steps {training.Steps} --batch {training.BatchSize} --lr " +
                    $"{training.LearningRate.ToString(CultureInfo.InvariantCulture)} " +
                    (origin.ContinuedFrom is { } continued
                        ? $"--init {continued.Folder}"
                        : $"--layers {model.Config.Layers} --width {model.Config.Width} --heads {model.Config.Heads} --context " +
                            $"{model.Config.ContextLength}") +
                    $" --eval-every {training.EvaluateEvery} --checkpoint-every {training.CheckpointEvery} --seed {training.Seed}",
            ],
            Hashes = [("prior train.jsonl", FileHash.Sha256(trainPath)), ("prior valid.jsonl", FileHash.Sha256(validPath)),
                      ("vocab.json", FileHash.Sha256(Path.Combine(tokenizerFolder, TokenizerFactory.VocabularyFile)))],
            Samples = sampleTexts,
        };
        var trainingJson = JsonSerializer.SerializeToNode(training) as JsonObject;
        trainingJson!["completed_steps"] = step;
        Checkpoint.SaveLanguageModel(output, model, tokenizerFolder, card, trainingJson);
        Console.WriteLine($"saved checkpoint at step {step} -> {output}");
    }
}
