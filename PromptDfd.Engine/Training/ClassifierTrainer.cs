using System.Diagnostics;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <param name="Averaged">the dev scores are those of the weights averaged over epochs (<see
/// cref="ClassifierTrainingConfig.AverageFromEpoch"/>)</param>
public sealed record ClassifierProgress(int Epoch, int Step, int Steps, double Loss, ClassificationScores? Dev, double SecondsElapsed,
    bool Averaged = false);

/// <summary>
/// Fine-tunes a classifier with cross-entropy, evaluates on the dev split after every epoch and keeps the
/// weights of the best dev epoch. Reports progress through a callback; knows nothing about files.
/// </summary>
public sealed class ClassifierTrainer(ClassifierTrainingConfig config, TextBatcher batcher, Action<ClassifierProgress> report)
{
    public ClassificationScores? BestDev { get; private set; }
    public int BestEpoch { get; private set; }

    /// <param name="epochEnded">called with the epoch number after each epoch's dev evaluation, while the module holds that epoch's
    /// weights</param>
    public void Train(nn.Module module, IReadOnlyList<(string Text, int Label)> train, IReadOnlyList<(string Text, int Label)> dev,
        int classes,
        Action<int>? epochEnded = null, CancellationToken cancellation = default)
    {
        config.Validate();
        var classifier = (ITextClassifier)module;
        if (config.LanguageModelWeight > 0 && module is not GptClassifier)
            throw new ArgumentException($"An auxiliary language-modelling loss needs a GPT-body classifier; set LanguageModelWeight to 0 " +
                $"for a {module.GetType().Name}.");
        Device device = classifier.TokenEmbedding.device;
        var encoded = train.Select(e => (Ids: config.RandomWindows || config.WholeTexts ? batcher.EncodeWhole(e.Text)
            : batcher.Encode(e.Text), e.Label)).ToList();
        var random = new Random((int)config.Seed);
        manual_seed(config.Seed);
        classifier.TokenEmbedding.requires_grad = !config.FreezeTokenEmbeddings;
        var groups = LayerwiseLearningRates.Groups(module, config.LayerDecay, config.WeightDecay);
        var trained = groups.SelectMany(g => g.Parameters).ToList();
        using var optimizer = new AdamOptimizer(groups, config.LearningRate, decoupledWeightDecay: true);
        int stepsPerEpoch = (encoded.Count + config.BatchSize - 1) / config.BatchSize, totalSteps = stepsPerEpoch * config.Epochs;
        int warmup = (int)(totalSteps * config.WarmupFraction);
        Dictionary<string, Tensor>? best = null, average = null;
        int averagedEpochs = 0;
        var clock = Stopwatch.StartNew();
        int step = 0;
        for (int epoch = 1; epoch <= config.Epochs && !cancellation.IsCancellationRequested; epoch++)
        {
            module.train();
            var order = Enumerable.Range(0, encoded.Count).OrderBy(_ => random.Next()).ToArray();
            double lossSum = 0, lastLoss = double.NaN;
            int lossCount = 0;
            foreach (int[] batch in order.Chunk(config.BatchSize))
            {
                if (cancellation.IsCancellationRequested) break;
                double rate = step < warmup ? config.LearningRate * (step + 1) / warmup
                    : config.LearningRate * Math.Max(0.0, (totalSteps - step) / (double)Math.Max(1, totalSteps - warmup));
                optimizer.LearningRate = rate;
                using (NewDisposeScope())
                {
                    Tensor labels = tensor(batch.Select(i => (long)encoded[i].Label).ToArray()).to(device);
                    optimizer.ZeroGrad();
                    Tensor loss;
                    if (config.WholeTexts)
                        loss = WholeTextLoss(classifier, batcher, batch.Select(i => encoded[i].Ids).ToList(), labels);
                    else
                    {
                        var (ids, mask) = batcher.Pad(batch.Select(i => batcher.RandomWindow(encoded[i].Ids, random)).ToList(), device);
                        loss = Loss(classifier, ids, mask, labels);
                    }
                    float value = loss.item<float>();
                    if (!float.IsFinite(value))
                        throw new InvalidOperationException($"The classifier's training loss is {value} in epoch {epoch}: fine-tuning " +
                            $"diverged. Lower the learning rate (now {config.LearningRate}) and train again.");
                    loss.backward();
                    nn.utils.clip_grad_norm_(trained, 1.0);
                    optimizer.Step();
                    lossSum += value;
                    lossCount++;
                }
                step++;
                // Between steps, outside the step's dispose scope: a run sharing the libtorch thread takes its turn here.
                TorchJobQueue.YieldPoint();
                if (step % 20 == 0)
                {
                    lastLoss = lossSum / lossCount;
                    report(new ClassifierProgress(epoch, step, totalSteps, lastLoss, null, clock.Elapsed.TotalSeconds));
                    lossSum = 0; lossCount = 0;
                }
            }
            var scores = DevScores(module, dev, classes);
            report(new ClassifierProgress(epoch, step, totalSteps, lossCount > 0 ? lossSum / lossCount : lastLoss, scores,
                clock.Elapsed.TotalSeconds));
            epochEnded?.Invoke(epoch);
            if (config.AverageFromEpoch > 0 && epoch >= config.AverageFromEpoch)
            {
                average = WeightAveraging.AddToMean(average, module, ++averagedEpochs);
                continue;
            }
            if (BestDev is null || scores.Accuracy > BestDev.Accuracy)
            {
                BestDev = scores;
                BestEpoch = epoch;
                WeightAveraging.Dispose(best);
                best = WeightAveraging.Snapshot(module);
            }
        }
        if (average is not null)
        {
            module.load_state_dict(average);
            WeightAveraging.Dispose(average);
            BestDev = DevScores(module, dev, classes);
            BestEpoch = config.Epochs;
            report(new ClassifierProgress(config.Epochs, step, totalSteps, double.NaN, BestDev, clock.Elapsed.TotalSeconds,
                Averaged: true));
        }
        else if (best is not null) module.load_state_dict(best);
        WeightAveraging.Dispose(best);
        classifier.TokenEmbedding.requires_grad = true;
        module.eval();
    }

    private ClassificationScores DevScores(nn.Module module, IReadOnlyList<(string Text, int Label)> dev, int classes) =>
        ClassificationMetrics.Score(ClassifierInference.Predict(module, batcher, dev.Select(d => d.Text).ToList()),
            dev.Select(d => d.Label).ToList(), classes);

    private Tensor Loss(ITextClassifier classifier, Tensor ids, Tensor mask, Tensor labels)
    {
        if (config.LanguageModelWeight == 0 || classifier is not GptClassifier gpt) return
            nn.functional.cross_entropy(classifier.Classify(ids, mask), labels);
        var (classLogits, nextTokenLogits) = gpt.ClassifyAndPredictNext(ids, mask);
        long time = ids.shape[1];
        // Predict token t+1 from position t; padding targets are ignored.
        Tensor targets = ids.narrow(1, 1, time - 1).masked_fill(mask.narrow(1, 1, time - 1).logical_not(), IgnoredTargetScalar);
        Tensor languageModelLoss = nn.functional.cross_entropy(
            nextTokenLogits.narrow(1, 0, time - 1).reshape(-1, nextTokenLogits.shape[2]), targets.reshape(-1), ignore_index: IgnoredTarget);
        return nn.functional.cross_entropy(classLogits, labels) + config.LanguageModelWeight * languageModelLoss;
    }

    /// <summary>Cross-entropy of each text's mean class probabilities over its windows, as <see cref="ClassifierInference"/> reads
    /// it.</summary>
    public static Tensor WholeTextLoss(ITextClassifier classifier, TextBatcher batcher, IReadOnlyList<IReadOnlyList<int>> texts,
        Tensor labels)
    {
        Device device = classifier.TokenEmbedding.device;
        var windows = texts.SelectMany((ids, owner) => batcher.Windows(ids).Select(w => (Owner: owner, Ids: w))).ToList();
        var (ids, mask) = batcher.Pad(windows.Select(w => w.Ids).ToList(), device);
        Tensor probabilities = classifier.Classify(ids, mask).softmax(1);
        // Row t of the averaging matrix holds 1/(windows of text t) at text t's windows, so one matmul gives every mean.
        var averaging = new float[texts.Count * windows.Count];
        var counts = windows.GroupBy(w => w.Owner).ToDictionary(g => g.Key, g => g.Count());
        for (int w = 0; w < windows.Count; w++) averaging[windows[w].Owner * windows.Count + w] = 1f / counts[windows[w].Owner];
        Tensor mean = tensor(averaging, [texts.Count, windows.Count]).to(device).matmul(probabilities);
        return nn.functional.nll_loss(mean.clamp_min(1e-8).log(), labels);
    }

    private const long IgnoredTarget = -100;
    // Held, not converted per call: an implicitly converted Scalar can be finalised while libtorch still reads it.
    private static readonly Scalar IgnoredTargetScalar = IgnoredTarget;
}
