using PromptDfd.Engine.Text;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>Documents tokenised and joined with end-of-text into one stream, from which training windows are cut.</summary>
public sealed class TokenStream
{
    private readonly int[] tokens;

    public TokenStream(IEnumerable<string> documents, ITextTokenizer tokenizer)
    {
        var all = new List<int>();
        foreach (string document in documents)
        {
            all.AddRange(tokenizer.Encode(document));
            all.Add(tokenizer.EndOfTextId);
        }
        tokens = all.ToArray();
    }

    public int Length => tokens.Length;

    /// <summary>Inputs and next-token targets [batch, length] from windows starting at random offsets.</summary>
    public (Tensor Inputs, Tensor Targets) RandomBatch(Random random, int batch, int length, Device device)
    {
        return Windows(RandomStarts(random, batch, length), length, device);
    }

    /// <summary>Advances the random source past batches already trained on, so a resumed run cuts the same windows next.</summary>
    public void SkipRandomBatches(Random random, int batches, int batch, int length)
    {
        for (int i = 0; i < batches; i++) RandomStarts(random, batch, length);
    }

    private int[] RandomStarts(Random random, int batch, int length)
    {
        if (tokens.Length < length
            + 2) throw new InvalidOperationException($"The corpus has {tokens.Length} tokens, too few for windows of {length}.");
        return Enumerable.Range(0, batch).Select(_ => random.Next(tokens.Length - length - 1)).ToArray();
    }

    /// <summary>Consecutive non-overlapping windows from the start, for a fixed evaluation set.</summary>
    public IEnumerable<(Tensor Inputs, Tensor Targets)> SequentialBatches(int batch, int length, int maxBatches, Device device)
    {
        int windows = (tokens.Length - 1) / length;
        for (int first = 0, made = 0; first + batch <= windows && made < maxBatches; first += batch, made++)
            yield return Windows(Enumerable.Range(first, batch).Select(w => w * length).ToArray(), length, device);
    }

    private (Tensor, Tensor) Windows(int[] starts, int length, Device device)
    {
        var inputs = new long[starts.Length * length];
        var targets = new long[starts.Length * length];
        for (int row = 0; row < starts.Length; row++)
        {
            for (int i = 0; i < length; i++)
            {
                inputs[row * length + i] = tokens[starts[row] + i];
                targets[row * length + i] = tokens[starts[row] + i + 1];
            }
        }
        return (tensor(inputs, [starts.Length, length]).to(device), tensor(targets, [starts.Length, length]).to(device));
    }
}
