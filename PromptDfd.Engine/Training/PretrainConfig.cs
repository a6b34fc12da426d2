using PromptDfd.Engine.Infrastructure;
namespace PromptDfd.Engine.Training;

/// <summary>Language-prior pre-training: AdamW with linear warm-up and cosine decay, as in nanoGPT.</summary>
public sealed record PretrainConfig
{
    public int Steps { get; init; } = 3600;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public double MinimumLearningRate { get; init; } = 1e-4;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 0.1;
    public double GradientClip { get; init; } = 1.0;
    public int EvaluateEvery { get; init; } = 200;
    public int EvaluationBatches { get; init; } = 20;
    public int CheckpointEvery { get; init; } = 400;
    public long Seed { get; init; } = 1234;

    public void Validate()
    {
        var problems = new List<string>();
        if (Steps < 1) problems.Add($"Steps must be positive (got {Steps})");
        if (BatchSize < 1) problems.Add($"BatchSize must be positive (got {BatchSize})");
        if (LearningRate <= 0 || MinimumLearningRate < 0 || MinimumLearningRate > LearningRate)
            problems.Add($"need 0 <= MinimumLearningRate ({MinimumLearningRate}) <= LearningRate ({LearningRate}), LearningRate > 0");
        if (WarmupSteps < 0) problems.Add($"WarmupSteps must be >= 0 (got {WarmupSteps})");
        if (EvaluateEvery < 1 || CheckpointEvery < 1) problems.Add("EvaluateEvery and CheckpointEvery must be positive");
        ConfigProblems.ThrowIfAny("pre-training", problems);
    }

    public double LearningRateAt(int step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        double progress = Math.Min(1.0, (step - WarmupSteps) / (double)Math.Max(1, Steps - WarmupSteps));
        return MinimumLearningRate + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (LearningRate - MinimumLearningRate);
    }
}
