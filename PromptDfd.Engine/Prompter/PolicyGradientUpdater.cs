using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Prompter;

public sealed record PolicyUpdateStatistics(double Loss, double MeanAdvantage, double Entropy, double[] Baselines);

/// <summary>
/// Updates the prompter from rewarded prompts: REINFORCE with a per-class moving-average baseline, advantages
/// normalised over the batch and an entropy bonus; or PPO's clipped objective over several epochs on the batch.
/// </summary>
public sealed class PolicyGradientUpdater
{
    private readonly TopicPrompter policy;
    private readonly AdamOptimizer optimizer;
    private readonly double[] baselines;
    private readonly bool[] baselineStarted;

    public PolicyGradientUpdater(TopicPrompter policy)
    {
        this.policy = policy;
        optimizer = AdamOptimizer.Adam(policy.TrainableParameters, policy.Config.LearningRate);
        baselines = new double[policy.Classes];
        baselineStarted = new bool[policy.Classes];
    }

    public IReadOnlyList<double> Baselines => baselines;

    /// <summary>Optimizer moments and per-class baselines, for resumable checkpoints.</summary>
    public void Save(string path)
    {
        optimizer.Save(path);
        File.WriteAllText(path + ".baselines", string.Join('\n', baselines.Select((b, i) =>
            FormattableString.Invariant($"{(baselineStarted[i] ? 1 : 0)} {b:R}"))));
    }

    public void Load(string path)
    {
        optimizer.Load(path);
        string[] lines = File.ReadAllLines(path + ".baselines");
        if (lines.Length != baselines.Length) throw new InvalidDataException($"'{path}.baselines' has {lines.Length} classes; the run " +
            $"has {baselines.Length}.");
        for (int i = 0; i < lines.Length; i++)
        {
            string[] parts = lines[i].Split(' ');
            baselineStarted[i] = parts[0] == "1";
            baselines[i] = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public PolicyUpdateStatistics Update(IReadOnlyList<int> classes, long[][] prompts, IReadOnlyList<double> rewards)
    {
        PrompterConfig config = policy.Config;
        double[] advantages = Advantages(classes, rewards);
        UpdateBaselines(classes, rewards);
        policy.train();
        double[]? oldLogProbabilities = null;
        if (config.Algorithm == PolicyAlgorithm.PpoClip)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            oldLogProbabilities = policy.Score(classes, prompts).LogProbability.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        }
        int epochs = config.Algorithm == PolicyAlgorithm.PpoClip ? config.PpoEpochs : 1;
        double lossValue = 0, entropyValue = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            var (logProbability, entropy) = policy.Score(classes, prompts);
            Tensor advantage = tensor(advantages, dtype: ScalarType.Float32).to(logProbability.device);
            Tensor objective;
            if (oldLogProbabilities is null)
            {
                objective = advantage * logProbability;
            }
            else
            {
                Tensor ratio = (logProbability - tensor(oldLogProbabilities, dtype: ScalarType.Float32).to(logProbability.device)).exp();
                using Scalar low = (1 - config.PpoClip).ToScalar(), high = (1 + config.PpoClip).ToScalar();
                objective = minimum(ratio * advantage, ratio.clamp(low, high) * advantage);
            }
            Tensor loss = -objective.mean() - entropy.mean().Times(config.EntropyBonus);
            lossValue = loss.item<float>();
            // A diverged prompter would otherwise go on sampling from NaN probabilities: junk prompts, NaN rewards, no error.
            if (!double.IsFinite(lossValue))
                throw new InvalidOperationException($"The topic prompter's policy loss is {lossValue}: the prompter diverged. " +
                    $"Lower Training.Prompter.LearningRate (now {config.LearningRate}) and start the run again (Clone); resuming would " +
                        $"repeat the same steps.");
            loss.backward();
            nn.utils.clip_grad_norm_(policy.TrainableParameters, 1.0);
            optimizer.Step();
            entropyValue = entropy.mean().item<float>();
        }
        return new PolicyUpdateStatistics(lossValue, advantages.Average(), entropyValue, (double[])baselines.Clone());
    }

    private double[] Advantages(IReadOnlyList<int> classes, IReadOnlyList<double> rewards)
    {
        // Before a class has a baseline, the batch mean of that class stands in for it.
        var batchMean = classes.Zip(rewards).GroupBy(p => p.First).ToDictionary(g => g.Key, g => g.Average(p => p.Second));
        double[] advantages = rewards.Select((r, i) => r - (baselineStarted[classes[i]] ? baselines[classes[i]]
            : batchMean[classes[i]])).ToArray();
        if (!policy.Config.NormalizeAdvantages || advantages.Length < 2) return advantages;
        double mean = advantages.Average();
        double std = Math.Sqrt(advantages.Average(a => (a - mean) * (a - mean)));
        return advantages.Select(a => (a - mean) / (std + 1e-8)).ToArray();
    }

    private void UpdateBaselines(IReadOnlyList<int> classes, IReadOnlyList<double> rewards)
    {
        double momentum = policy.Config.BaselineMomentum;
        foreach (var group in classes.Zip(rewards).GroupBy(p => p.First))
        {
            double mean = group.Average(p => p.Second);
            baselines[group.Key] = baselineStarted[group.Key] ? momentum * baselines[group.Key] + (1 - momentum) * mean : mean;
            baselineStarted[group.Key] = true;
        }
    }
}
