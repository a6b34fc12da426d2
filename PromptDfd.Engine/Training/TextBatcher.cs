using PromptDfd.Engine.Text;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>Turns texts into right-padded id batches with a mask of real tokens, cut to the model's context.</summary>
public sealed class TextBatcher(ITextTokenizer tokenizer, int maximumLength)
{
    public int MaximumLength => maximumLength;

    /// <summary>The text's first <see cref="MaximumLength"/> tokens (its special opening and closing ids kept).</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var ids = EncodeWhole(text);
        return ids.Count <= maximumLength ? ids : Wrap(Content(ids).Take(ContentLength));
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

    /// <remarks>A BERT-style model reads every window between its own [CLS] and [SEP], as it was trained to.</remarks>
    public IReadOnlyList<IReadOnlyList<int>> Windows(IReadOnlyList<int> ids)
    {
        if (ids.Count <= maximumLength) return [ids];
        var content = Content(ids);
        int length = ContentLength;
        var windows = new List<IReadOnlyList<int>>();
        for (int start = 0; start < content.Count; start += length)
        {
            int from = Math.Min(start, content.Count - length);
            windows.Add(Wrap(content.Skip(from).Take(length)));
            if (from + length >= content.Count) break;
        }
        return windows;
    }

    /// <summary>A window at a random start, so each pass over a long training text sees a different part of it.</summary>
    public IReadOnlyList<int> RandomWindow(IReadOnlyList<int> ids, Random random)
    {
        if (ids.Count <= maximumLength) return ids;
        var content = Content(ids);
        return Wrap(content.Skip(random.Next(content.Count - ContentLength + 1)).Take(ContentLength));
    }

    private int ContentLength => Math.Max(1, maximumLength - tokenizer.Opening.Count - tokenizer.Closing.Count);

    /// <summary>The ids between the tokenizer's opening and closing special ids, where it has them.</summary>
    private List<int> Content(IReadOnlyList<int> ids)
    {
        var opening = tokenizer.Opening;
        var closing = tokenizer.Closing;
        int skip = ids.Take(opening.Count).SequenceEqual(opening) ? opening.Count : 0;
        int drop = ids.Count - skip >= closing.Count && ids.Skip(ids.Count - closing.Count).SequenceEqual(closing) ? closing.Count : 0;
        return ids.Skip(skip).Take(ids.Count - skip - drop).ToList();
    }

    private List<int> Wrap(IEnumerable<int> content) => [.. tokenizer.Opening, .. content, .. tokenizer.Closing];

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
