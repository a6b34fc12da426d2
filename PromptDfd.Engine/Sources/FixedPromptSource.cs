using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;

namespace PromptDfd.Engine.Sources;

/// <summary>ZeroGen-style baseline: each class's samples start with one of its hand-written prompts; no RL.</summary>
public sealed class FixedPromptSource : ISampleSource
{
    private readonly MethodConfig config;
    private readonly DistillationModels models;
    private readonly RandomSources random;
    private readonly int[][][] prompts;
    private readonly SampleReader reader;

    public FixedPromptSource(MethodConfig config, DistillationModels models, RandomSources random, IReadOnlyDictionary<string,
        string[]> topicPrompts, SampleReader reader)
    {
        this.reader = reader;
        this.config = config;
        this.models = models;
        this.random = random;
        prompts = models.Labels.Select(label => topicPrompts.TryGetValue(label, out var texts) && texts.Length > 0
                ? texts.Select(t => models.Tokenizer.Encode(t).ToArray()).ToArray()
                : throw new ArgumentException($"The fixed-prompts method needs at least one topic prompt for class '{label}'; add it to " +
                    $"the config's TopicPrompts or the task's prompts.json."))
            .ToArray();
    }

    public SyntheticBatch Draw(int count)
    {
        int[] classes = random.UniformClasses(count, models.Labels.Count);
        int[][] chosen = classes.Select(c => prompts[c][random.Random.Next(prompts[c].Length)]).ToArray();
        int[][] contents = PriorContinuation.Continue(models, chosen, classes, config, reader, random.Generator);
        return new SyntheticBatch(classes, chosen, contents, Enumerable.Repeat(PromptOrigin.Fixed, count).ToArray(), new bool[count]);
    }
}
