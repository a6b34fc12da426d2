using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Metrics;

/// <summary>Perplexity of texts under the language prior, each read as a document (after end-of-text).</summary>
public static class PriorPerplexity
{
    public static double Of(GptLanguageModel prior, ITextTokenizer tokenizer, IReadOnlyList<IReadOnlyList<int>> sequences, int batchSize =
        32)
    {
        double negativeLogLikelihood = 0;
        long tokens = 0;
        int context = prior.Config.ContextLength;
        bool wasTraining = prior.training;
        prior.eval();
        using (no_grad())
        {
            foreach (var chunk in sequences.Where(s => s.Count > 0).Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                var rows = chunk.Select(s => s.Prepend(tokenizer.EndOfTextId).Take(context).ToArray()).ToList();
                int longest = rows.Max(r => r.Length);
                long[] ids = new long[rows.Count * longest];
                bool[] mask = new bool[rows.Count * longest];
                for (int r = 0; r < rows.Count; r++)
                    for (int i = 0; i < longest; i++)
                    {
                        ids[r * longest + i] = i < rows[r].Length ? rows[r][i] : tokenizer.PaddingId;
                        mask[r * longest + i] = i < rows[r].Length;
                    }
                Device device = prior.Body.TokenEmbedding.device;
                Tensor maskTensor = tensor(mask, [rows.Count, longest]).to(device);
                Tensor logProbabilities = Generation.TokenLogProbabilities(prior, tensor(ids, [rows.Count, longest]).to(device),
                    maskTensor);
                Tensor targets = maskTensor.narrow(1, 1, longest - 1);
                negativeLogLikelihood -= logProbabilities.masked_select(targets).sum().item<float>();
                tokens += targets.sum().item<long>();
            }
        }
        if (wasTraining) prior.train();
        return tokens == 0 ? double.NaN : Math.Exp(negativeLogLikelihood / tokens);
    }
}
