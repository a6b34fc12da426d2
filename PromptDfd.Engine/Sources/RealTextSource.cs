using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;

namespace PromptDfd.Engine.Sources;

/// <summary>Data-driven KD (the upper bound): the student learns the teacher's answers on the real training texts.</summary>
public sealed class RealTextSource : ISampleSource
{
    private readonly DistillationModels models;
    private readonly RandomSources random;
    private readonly IReadOnlyList<LabeledExample> training;
    private readonly int maximumLength;

    public RealTextSource(DistillationModels models, RandomSources random, IReadOnlyList<LabeledExample>? training)
    {
        if (training is null || training.Count == 0)
            throw new ArgumentException("Data-driven KD needs the task's training split; it is the one method that reads real training " +
                "text.");
        this.models = models;
        this.random = random;
        this.training = training;
        maximumLength = models.Prior.Config.ContextLength;
    }

    public SyntheticBatch Draw(int count)
    {
        var chosen = Enumerable.Range(0, count).Select(_ => training[random.Random.Next(training.Count)]).ToList();
        int[] classes = chosen.Select(e => models.Labels.ToList().IndexOf(e.Label)).ToArray();
        int[][] contents = chosen.Select(e =>
            models.Tokenizer.Encode(e.Text).Take(maximumLength).DefaultIfEmpty(models.Tokenizer.EndOfTextId).ToArray()).ToArray();
        int[][] empty = Enumerable.Range(0, count).Select(_ => Array.Empty<int>()).ToArray();
        return new SyntheticBatch(classes, empty, contents, Enumerable.Repeat(PromptOrigin.Real, count).ToArray(), new bool[count]);
    }
}
