using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

public sealed record PretrainProgress(int Step, int Steps, double Loss, double LearningRate, double TokensPerSecond,
    double? ValidationLoss);

/// <summary>A checkpoint step: the model is at <see cref="Step"/>; <see cref="SaveResumeState"/> writes what a resumed run needs besides
/// it.</summary>
public sealed record PretrainCheckpoint(int Step, bool Finished, Action<string> SaveResumeState);

/// <summary>
/// Trains a GPT language model on a token stream. Knows nothing about model cards or consoles: it reports progress
/// through a callback and asks its caller to save at checkpoint steps. A run can be resumed from the state saved at a
/// checkpoint and then continues exactly as if it had never stopped.
/// </summary>
public sealed class LanguageModelPretrainer(PretrainConfig config, Action<PretrainProgress> report,
    Action<PretrainCheckpoint> saveCheckpoint)
{
    private const string ModelFile = "model.bin", OptimizerFile = "optimizer.bin", StateFile = "state.json";
    // Before the first evaluation the validation loss is NaN, which plain JSON numbers cannot hold.
    private static readonly JsonSerializerOptions StateJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public double LastValidationLoss { get; private set; } = double.NaN;

    /// <summary>Every progress report that carried a validation loss, resumed runs included.</summary>
    public List<PretrainProgress> ValidationHistory { get; private set; } = [];

    /// <summary>Training wall time so far, summed over the sessions of a resumed run.</summary>
    public TimeSpan TrainingTime { get; private set; }

    private sealed record ResumeState(int CompletedSteps, PretrainConfig Config, GptConfig Model, int TrainTokens,
        double LastValidationLoss,
        List<PretrainProgress> ValidationHistory, double TrainingSeconds);

    /// <param name="resumeFrom">A folder written by <see cref="PretrainCheckpoint.SaveResumeState"/> for this same config, model shape and
    /// corpus; null starts from the model as given.</param>
    public void Train(GptLanguageModel model, TokenStream train, TokenStream valid, string? resumeFrom = null,
        CancellationToken cancellation = default)
    {
        config.Validate();
        Device device = model.Body.TokenEmbedding.device;
        int length = model.Config.ContextLength;
        var random = new Random((int)config.Seed);
        manual_seed(config.Seed);
        // Weight decay on matrices only; biases, LayerNorm gains and positions stay undecayed.
        var decayed = model.named_parameters().Where(p => p.parameter.dim() >= 2 && !p.name.Contains("wpe")).Select(p =>
            p.parameter).ToList();
        var plain = model.named_parameters().Where(p => !(p.parameter.dim() >= 2 && !p.name.Contains("wpe"))).Select(p =>
            p.parameter).ToList();
        using var optimizer = new AdamOptimizer(
            [new AdamOptimizer.ParameterGroup(decayed, config.WeightDecay), new AdamOptimizer.ParameterGroup(plain)],
            config.LearningRate, decoupledWeightDecay: true, beta1: 0.9, beta2: 0.95);
        int firstStep = 0;
        if (resumeFrom is not null)
        {
            firstStep = Resume(resumeFrom, model, optimizer, train.Length);
            train.SkipRandomBatches(random, firstStep, config.BatchSize, length);
        }
        var clock = Stopwatch.StartNew();
        var session = Stopwatch.StartNew();
        TimeSpan before = TrainingTime;
        long tokensSinceReport = 0;
        int lastSaved = firstStep;
        model.train();
        int step = firstStep;
        void Save(bool finished)
        {
            TrainingTime = before + session.Elapsed;
            saveCheckpoint(new PretrainCheckpoint(step, finished, folder => SaveResumeState(folder, model, optimizer, step, train.Length)));
            lastSaved = step;
        }
        while (step < config.Steps && !cancellation.IsCancellationRequested)
        {
            double learningRate = config.LearningRateAt(step);
            optimizer.LearningRate = learningRate;
            double loss;
            using (NewDisposeScope())
            {
                var (inputs, targets) = train.RandomBatch(random, config.BatchSize, length, device);
                optimizer.ZeroGrad();
                Tensor logits = model.forward(inputs);
                Tensor lossTensor = nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), targets.view(-1));
                loss = lossTensor.item<float>();
                if (!double.IsFinite(loss))
                    throw new InvalidOperationException($"The language model's loss is {loss} at step {step + 1}: pre-training diverged. " +
                        $"Lower --lr (now {config.LearningRate}) and pre-train again.");
                lossTensor.backward();
                nn.utils.clip_grad_norm_(model.parameters(), config.GradientClip);
                optimizer.Step();
            }
            step++;
            tokensSinceReport += (long)config.BatchSize * length;
            bool last = step == config.Steps;
            double? validation = null;
            if (step % config.EvaluateEvery == 0 || last)
            {
                validation = LastValidationLoss = Evaluate(model, valid, config.BatchSize, config.EvaluationBatches);
            }
            if (step % 10 == 0 || validation is not null)
            {
                var progress = new PretrainProgress(step, config.Steps, loss, learningRate, tokensSinceReport / clock.Elapsed.TotalSeconds,
                    validation);
                if (validation is not null) ValidationHistory.Add(progress);
                report(progress);
                tokensSinceReport = 0;
                clock.Restart();
            }
            if (step % config.CheckpointEvery == 0 || last) Save(finished: last);
        }
        // A cancelled run keeps the steps it made since its last checkpoint.
        if (step > lastSaved && step < config.Steps) Save(finished: false);
    }

    private void SaveResumeState(string folder, GptLanguageModel model, AdamOptimizer optimizer, int completedSteps, int trainTokens) =>
        AtomicFolder.Replace(folder, staging =>
        {
            model.save(Path.Combine(staging, ModelFile));
            optimizer.Save(Path.Combine(staging, OptimizerFile));
            var state = new ResumeState(completedSteps, config, model.Config, trainTokens, LastValidationLoss, ValidationHistory,
                TrainingTime.TotalSeconds);
            File.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(state, StateJson));
        });

    /// <summary>Loads the resume state into the model and optimizer after checking it belongs to this run; returns the steps already
    /// done.</summary>
    private int Resume(string folder, GptLanguageModel model, AdamOptimizer optimizer, int trainTokens)
    {
        folder = AtomicFolder.Existing(folder);
        string statePath = Path.Combine(folder, StateFile);
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"'{folder}' holds no pre-training resume state ({StateFile} is missing); start the " +
                $"pre-training without resuming.", statePath);
        ResumeState state;
        try
        {
            state = JsonSerializer.Deserialize<ResumeState>(File.ReadAllText(statePath), StateJson)
                ?? throw new InvalidDataException($"'{statePath}' is empty.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{statePath}' is damaged ({error.Message}); start the pre-training again without resuming.",
                error);
        }
        var differences = new List<string>();
        if (state.Config != config) differences.Add($"training settings {Describe(state.Config)} (now {Describe(config)})");
        if (state.Model != model.Config) differences.Add($"model {Describe(state.Model)} (now {Describe(model.Config)})");
        if (state.TrainTokens != trainTokens) differences.Add($"a corpus of {state.TrainTokens:N0} tokens (now {trainTokens:N0})");
        if (differences.Count > 0)
            throw new InvalidDataException($"The pre-training saved in '{folder}' used {string.Join("; ", differences)}. Resume with the " +
                $"same settings and corpus, or start a new run in another output folder.");
        if (state.CompletedSteps is < 1 || state.CompletedSteps >= config.Steps)
            throw new InvalidDataException($"'{statePath}' says {state.CompletedSteps} of {config.Steps} steps are done; there is " +
                $"nothing to resume.");
        CheckpointFiles.LoadWeights(model, Path.Combine(folder, ModelFile));
        optimizer.Load(Path.Combine(folder, OptimizerFile));
        LastValidationLoss = state.LastValidationLoss;
        ValidationHistory = state.ValidationHistory;
        TrainingTime = TimeSpan.FromSeconds(state.TrainingSeconds);
        return state.CompletedSteps;
    }

    private static string Describe<T>(T record) => record!.ToString()!.Replace(typeof(T).Name + " ", "");

    /// <summary>Mean next-token cross-entropy over fixed held-out windows; perplexity is its exponential.</summary>
    public static double Evaluate(GptLanguageModel model, TokenStream stream, int batchSize, int maxBatches)
    {
        bool wasTraining = model.training;
        model.eval();
        double total = 0;
        int batches = 0;
        using (no_grad())
        {
            foreach (var (inputs, targets) in stream.SequentialBatches(batchSize, model.Config.ContextLength, maxBatches,
                model.Body.TokenEmbedding.device))
            {
                using var scope = NewDisposeScope();
                Tensor logits = model.forward(inputs);
                total += nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), targets.view(-1)).item<float>();
                batches++;
                inputs.Dispose(); targets.Dispose();
            }
        }
        if (wasTraining) model.train();
        return batches == 0 ? double.NaN : total / batches;
    }
}
