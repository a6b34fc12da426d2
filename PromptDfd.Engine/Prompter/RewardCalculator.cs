using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Prompter;

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
        if (weight < 0 || !double.IsFinite(weight)) throw new InvalidDataException($"A saved plausibility weight must be a non-negative " +
            $"number (got {weight}); the checkpoint is damaged, resume from an earlier one.");
        PlausibilityWeight = weight;
    }

    public void RestoreRecentPrompts(IEnumerable<string> prompts)
    {
        recentPrompts.Clear();
        recentCounts.Clear();
        Remember(prompts);
    }

    /// <param name="teacherLogits">the teacher on each sample as distilled (prompt ++ content)</param>
    /// <param name="relevanceReadings">the teacher on the texts relevance is judged on (the content, and the content
    /// lower-cased; see <see cref="RewardConfig.RelevanceOn"/>): relevance is the lowest of them; null reads the sample</param>
    /// <param name="otherHardnessReadings">teacher and student on other forms of the sample (lower-cased): hardness is
    /// the lowest divergence over these and the sample itself</param>
    public RewardBreakdown Score(Tensor teacherLogits, Tensor studentLogits, IReadOnlyList<int> classes,
        IReadOnlyList<double> policyLogProbability, IReadOnlyList<double> referenceLogProbability, IReadOnlyList<string> prompts,
        IReadOnlyList<Tensor>? relevanceReadings = null, IReadOnlyList<(Tensor Teacher, Tensor Student)>? otherHardnessReadings = null)
    {
        config.Validate();
        int batch = classes.Count;
        double[] relevance, hardness;
        using (no_grad())
        {
            relevance = Enumerable.Repeat(double.PositiveInfinity, batch).ToArray();
            foreach (Tensor reading in relevanceReadings is { Count: > 0 } ? relevanceReadings : [teacherLogits])
            {
                double[] logProbability = IntendedLogProbability(reading, classes);
                for (int i = 0; i < batch; i++) relevance[i] = Math.Min(relevance[i], logProbability[i]);
            }
            if (config.RelevanceFloor is double floor)
                for (int i = 0; i < batch; i++) relevance[i] = Math.Max(relevance[i], floor);
            using Tensor divergence = DistillationLoss.PerExampleDivergence(teacherLogits, studentLogits);
            hardness = divergence.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            foreach (var (teacher, student) in otherHardnessReadings ?? [])
            {
                using Tensor other = DistillationLoss.PerExampleDivergence(teacher, student);
                double[] values = other.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
                for (int i = 0; i < batch; i++) hardness[i] = Math.Min(hardness[i], values[i]);
            }
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

    /// <summary>log T(c | x) of each row's intended class c.</summary>
    public static double[] IntendedLogProbability(Tensor logits, IReadOnlyList<int> classes)
    {
        using var scope = NewDisposeScope();
        Tensor logSoftmax = nn.functional.log_softmax(logits.to_type(ScalarType.Float32), 1);
        Tensor chosen = logSoftmax.gather(1, tensor(classes.Select(c => (long)c).ToArray(), device: logits.device).unsqueeze(1)).squeeze(1);
        return chosen.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
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
        return prompts.Select(p => -((inBatch[p] - 1) / (double)Math.Max(1, prompts.Count - 1)
            + recentCounts.GetValueOrDefault(p) / (double)window)).ToArray();
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
