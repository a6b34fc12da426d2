using System.Diagnostics;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

public sealed record PretrainProgress(int Step, int Steps, double Loss, double LearningRate, double TokensPerSecond, double? ValidationLoss);

/// <summary>
/// Trains a GPT language model on a token stream. Knows nothing about files or consoles: it reports progress
/// through a callback and asks its caller to save at checkpoint steps.
/// </summary>
public sealed class LanguageModelPretrainer(PretrainConfig config, Action<PretrainProgress> report, Action<int> saveCheckpoint)
{
    public double LastValidationLoss { get; private set; } = double.NaN;

    public void Train(GptLanguageModel model, TokenStream train, TokenStream valid, CancellationToken cancellation = default)
    {
        config.Validate();
        Device device = model.Body.TokenEmbedding.device;
        int length = model.Config.ContextLength;
        var random = new Random((int)config.Seed);
        manual_seed(config.Seed);
        // Weight decay on matrices only; biases, LayerNorm gains and positions stay undecayed.
        var decayed = model.named_parameters().Where(p => p.parameter.dim() >= 2 && !p.name.Contains("wpe")).Select(p => p.parameter).ToList();
        var plain = model.named_parameters().Where(p => !(p.parameter.dim() >= 2 && !p.name.Contains("wpe"))).Select(p => p.parameter).ToList();
        using var optimizer = new AdamOptimizer(
            [new AdamOptimizer.ParameterGroup(decayed, config.WeightDecay), new AdamOptimizer.ParameterGroup(plain)],
            config.LearningRate, decoupledWeightDecay: true, beta1: 0.9, beta2: 0.95);
        var clock = Stopwatch.StartNew();
        long tokensSinceReport = 0;
        model.train();
        for (int step = 0; step < config.Steps && !cancellation.IsCancellationRequested; step++)
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
                lossTensor.backward();
                nn.utils.clip_grad_norm_(model.parameters(), config.GradientClip);
                optimizer.Step();
                loss = lossTensor.item<float>();
            }
            tokensSinceReport += (long)config.BatchSize * length;
            bool last = step == config.Steps - 1;
            double? validation = null;
            if ((step + 1) % config.EvaluateEvery == 0 || last)
            {
                validation = LastValidationLoss = Evaluate(model, valid, config.BatchSize, config.EvaluationBatches);
            }
            if ((step + 1) % 10 == 0 || validation is not null)
            {
                report(new PretrainProgress(step + 1, config.Steps, loss, learningRate, tokensSinceReport / clock.Elapsed.TotalSeconds, validation));
                tokensSinceReport = 0;
                clock.Restart();
            }
            if ((step + 1) % config.CheckpointEvery == 0 || last) saveCheckpoint(step + 1);
        }
    }

    /// <summary>Mean next-token cross-entropy over fixed held-out windows; perplexity is its exponential.</summary>
    public static double Evaluate(GptLanguageModel model, TokenStream stream, int batchSize, int maxBatches)
    {
        bool wasTraining = model.training;
        model.eval();
        double total = 0;
        int batches = 0;
        using (no_grad())
        {
            foreach (var (inputs, targets) in stream.SequentialBatches(batchSize, model.Config.ContextLength, maxBatches, model.Body.TokenEmbedding.device))
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
