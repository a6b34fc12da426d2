using PromptDfd.Engine.Text;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>Turns texts into right-padded id batches with a mask of real tokens, truncated to the model's context.</summary>
public sealed class TextBatcher(ITextTokenizer tokenizer, int maximumLength)
{
    public int MaximumLength => maximumLength;

    public IReadOnlyList<int> Encode(string text)
    {
        var ids = tokenizer.Encode(text);
        if (ids.Count == 0) return [tokenizer.EndOfTextId];
        return ids.Count <= maximumLength ? ids : ids.Take(maximumLength).ToList();
    }

    /// <summary>Ids [batch, longest] and mask [batch, longest] for already-encoded sequences.</summary>
    public (Tensor Ids, Tensor Mask) Pad(IReadOnlyList<IReadOnlyList<int>> sequences, Device device)
    {
        int longest = Math.Max(1, sequences.Max(s => s.Count));
        var ids = new long[sequences.Count * longest];
        var mask = new bool[sequences.Count * longest];
        for (int row = 0; row < sequences.Count; row++)
        {
            for (int i = 0; i < longest; i++)
            {
                bool real = i < sequences[row].Count;
                ids[row * longest + i] = real ? sequences[row][i] : tokenizer.PaddingId;
                mask[row * longest + i] = real;
            }
        }
        return (tensor(ids, [sequences.Count, longest]).to(device), tensor(mask, [sequences.Count, longest]).to(device));
    }
}
