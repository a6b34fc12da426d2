using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;

namespace PromptDfd.Engine.Sources;

/// <summary>Baseline: uniformly random tokens (never end-of-text or padding), as long as prompt plus content.</summary>
public sealed class RandomTextSource(MethodConfig config, DistillationModels models, RandomSources random) : ISampleSource
{
    public SyntheticBatch Draw(int count)
    {
        int length = config.Prompter.PromptLength + config.Content.MaxNewTokens;
        int vocabulary = models.Prior.Config.VocabularySize;
        int[] special = [models.Tokenizer.EndOfTextId, models.Tokenizer.PaddingId];
        int[][] contents = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, length).Select(_ =>
        {
            int token;
            do token = random.Random.Next(vocabulary); while (special.Contains(token));
            return token;
        }).ToArray()).ToArray();
        int[][] empty = Enumerable.Range(0, count).Select(_ => Array.Empty<int>()).ToArray();
        return new SyntheticBatch(Enumerable.Repeat(-1, count).ToArray(), empty, contents,
            Enumerable.Repeat(PromptOrigin.Random, count).ToArray(), new bool[count]);
    }
}
