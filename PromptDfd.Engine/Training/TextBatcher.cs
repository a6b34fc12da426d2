using PromptDfd.Engine.Text;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>Turns texts into right-padded id batches with a mask of real tokens, cut to the model's context.</summary>
public sealed class TextBatcher(ITextTokenizer tokenizer, int maximumLength)
{
    public int MaximumLength => maximumLength;

    /// <summary>The text's first <see cref="MaximumLength"/> tokens.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var ids = EncodeWhole(text);
        return ids.Count <= maximumLength ? ids : ids.Take(maximumLength).ToList();
    }

    /// <summary>All of the text's tokens (at least one), for callers that cut their own windows.</summary>
    public IReadOnlyList<int> EncodeWhole(string text)
    {
        var ids = tokenizer.Encode(text);
        return ids.Count == 0 ? [tokenizer.EndOfTextId] : ids;
    }

    /// <summary>
    /// Windows of <see cref="MaximumLength"/> tokens that together cover the whole text: back to back, the last one
    /// ending at the text's end. A text longer than the context is then judged on all of its words, as the
    /// bag-of-words baseline judges it, not on its opening alone.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>> EncodeWindows(string text) => Windows(EncodeWhole(text));

    public IReadOnlyList<IReadOnlyList<int>> Windows(IReadOnlyList<int> ids)
    {
        if (ids.Count <= maximumLength) return [ids];
        var windows = new List<IReadOnlyList<int>>();
        for (int start = 0; start < ids.Count; start += maximumLength)
        {
            int from = Math.Min(start, ids.Count - maximumLength);
            windows.Add(ids.Skip(from).Take(maximumLength).ToList());
            if (from + maximumLength >= ids.Count) break;
        }
        return windows;
    }

    /// <summary>A window at a random start, so each pass over a long training text sees a different part of it.</summary>
    public IReadOnlyList<int> RandomWindow(IReadOnlyList<int> ids, Random random) =>
        ids.Count <= maximumLength ? ids : ids.Skip(random.Next(ids.Count - maximumLength + 1)).Take(maximumLength).ToList();

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
