using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using TorchSharp;

namespace PromptDfd.Engine.Synthesis.Sources;

/// <summary>The frozen prior writes the content after each prompt, reading it as the start of a document.</summary>
public static class PriorContinuation
{
    public static int[][] Continue(GptLanguageModel prior, ITextTokenizer tokenizer, IReadOnlyList<int[]> prompts, SamplingConfig sampling, torch.Generator generator)
    {
        var contexts = prompts.Select(p => (IReadOnlyList<int>)p.Prepend(tokenizer.EndOfTextId).ToArray()).ToList();
        GeneratedBatch generated = Generation.Generate(prior, contexts, sampling, tokenizer.EndOfTextId, tokenizer.PaddingId, generator);
        return generated.Tokens.Select(t => t.Select(x => (int)x).ToArray()).ToArray();
    }
}
