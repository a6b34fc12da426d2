using PromptDfd.Engine.Distillation;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Synthesis;

/// <summary>Each reward term per sample, and their weighted total.</summary>
public sealed record RewardBreakdown(double[] Relevance, double[] Hardness, double[] Plausibility, double[] Diversity, double[] Total);

/// <summary>
/// Scores a batch of synthetic samples for the prompter. Inputs are what the trainer already computed (teacher and
/// student logits on x = prompt ++ content, prompt log-probabilities under the policy and the reference), so the
/// calculator itself runs no model. The diversity window and the adaptive plausibility weight persist across batches.
/// </summary>
public sealed class RewardCalculator(RewardConfig config)
{
    private const double ControllerErrorLimit = 0.2;
    private readonly Queue<string> recentPrompts = new();
    private readonly Dictionary<string, int> recentCounts = new(StringComparer.Ordinal);

    /// <summary>The diversity window, oldest first (saved with checkpoints).</summary>
    public IEnumerable<string> RecentPrompts => recentPrompts;

    /// <summary>beta as used for the next batch: <see cref="RewardConfig.Plausibility"/> unless a KL budget adapts it.</summary>
    public double PlausibilityWeight { get; private set; } = config.Plausibility;

    /// <summary>Puts back a checkpointed beta, so a resumed run continues on the same reward curve.</summary>
    public void RestorePlausibilityWeight(double weight)
    {
        if (weight < 0 || !double.IsFinite(weight)) throw new InvalidDataException($"A saved plausibility weight must be a non-negative number (got {weight}); the checkpoint is damaged, resume from an earlier one.");
        PlausibilityWeight = weight;
    }

    public void RestoreRecentPrompts(IEnumerable<string> prompts)
    {
        recentPrompts.Clear();
        recentCounts.Clear();
        Remember(prompts);
    }

    public RewardBreakdown Score(Tensor teacherLogits, Tensor studentLogits, IReadOnlyList<int> classes,
        IReadOnlyList<double> policyLogProbability, IReadOnlyList<double> referenceLogProbability, IReadOnlyList<string> prompts)
    {
        config.Validate();
        int batch = classes.Count;
        double[] relevance, hardness;
        using (no_grad())
        {
            using Tensor logSoftmax = nn.functional.log_softmax(teacherLogits, 1);
            using Tensor chosen = logSoftmax.gather(1, tensor(classes.Select(c => (long)c).ToArray(), device: teacherLogits.device).unsqueeze(1)).squeeze(1);
            relevance = chosen.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            using Tensor divergence = DistillationLoss.PerExampleDivergence(teacherLogits, studentLogits);
            hardness = divergence.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        }
        var plausibility = new double[batch];
        for (int i = 0; i < batch; i++) plausibility[i] = -(policyLogProbability[i] - referenceLogProbability[i]);
        var diversity = DiversityPenalties(prompts);
        var total = new double[batch];
        for (int i = 0; i < batch; i++)
        {
            total[i] = config.Relevance * relevance[i] + config.Hardness * hardness[i]
                       + PlausibilityWeight * plausibility[i] + config.Diversity * diversity[i];
        }
        Remember(prompts);
        AdaptPlausibilityWeight(-plausibility.Average());
        return new RewardBreakdown(relevance, hardness, plausibility, diversity, total);
    }

    private void AdaptPlausibilityWeight(double meanKl)
    {
        if (config.PlausibilityTargetKl <= 0) return;
        double error = Math.Clamp(meanKl / config.PlausibilityTargetKl - 1, -ControllerErrorLimit, ControllerErrorLimit);
        PlausibilityWeight *= 1 + config.PlausibilityAdaptRate * error;
    }

    /// <summary>0 for a prompt seen nowhere else; down to -2 for one that fills the batch and the window.</summary>
    private double[] DiversityPenalties(IReadOnlyList<string> prompts)
    {
        var inBatch = prompts.GroupBy(p => p, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        int window = Math.Max(1, recentPrompts.Count);
        return prompts.Select(p => -((inBatch[p] - 1) / (double)Math.Max(1, prompts.Count - 1) + recentCounts.GetValueOrDefault(p) / (double)window)).ToArray();
    }

    private void Remember(IEnumerable<string> prompts)
    {
        if (config.DiversityWindow == 0) return;
        foreach (string prompt in prompts)
        {
            recentPrompts.Enqueue(prompt);
            recentCounts[prompt] = recentCounts.GetValueOrDefault(prompt) + 1;
            if (recentPrompts.Count > config.DiversityWindow)
            {
                string old = recentPrompts.Dequeue();
                if (--recentCounts[old] == 0) recentCounts.Remove(old);
            }
        }
    }
}
