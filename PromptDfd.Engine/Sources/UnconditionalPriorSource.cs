using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;

namespace PromptDfd.Engine.Sources;

/// <summary>Baseline: the prior writes from a document start with no prompt, as many tokens as prompt plus content.</summary>
public sealed class UnconditionalPriorSource(MethodConfig config, DistillationModels models, RandomSources random) : ISampleSource
{
    public SyntheticBatch Draw(int count)
    {
        var sampling = config.Content with { MaxNewTokens = config.Prompter.PromptLength + config.Content.MaxNewTokens };
        int[][] empty = Enumerable.Range(0, count).Select(_ => Array.Empty<int>()).ToArray();
        int[][] contents = PriorContinuation.Continue(models.Prior, models.Tokenizer, empty, sampling, random.Generator);
        return new SyntheticBatch(Enumerable.Repeat(-1, count).ToArray(), empty, contents, new PromptOrigin[count], new bool[count]);
    }
}
