using Microsoft.ML.Tokenizers;

namespace PromptDfd.Engine.Text;

/// <summary>Adapts a Microsoft.ML.Tokenizers tokenizer to <see cref="ITextTokenizer"/>.</summary>
/// <param name="opening">special ids every encoding starts with ([CLS] for BERT, &lt;s&gt; for RoBERTa)</param>
/// <param name="closing">special ids every encoding ends with ([SEP], &lt;/s&gt;)</param>
/// <param name="clean">applied to every text before the inner tokenizer sees it, where that tokenizer's own cleaning differs from the
/// model's</param>
public sealed class MlTokenizerAdapter(
    Tokenizer inner, string description, int vocabularySize, int endOfTextId, int paddingId,
    IReadOnlyList<int>? opening = null, IReadOnlyList<int>? closing = null, Func<string, string>? clean = null) : ITextTokenizer
{
    public Tokenizer Inner => inner;
    public string Description => description;
    public int VocabularySize => vocabularySize;
    public int EndOfTextId => endOfTextId;
    public int PaddingId => paddingId;
    public IReadOnlyList<int> Opening { get; } = opening ?? [];
    public IReadOnlyList<int> Closing { get; } = closing ?? [];

    public IReadOnlyList<int> Encode(string text)
    {
        if (clean is not null) text = clean(text);
        IReadOnlyList<int> ids = inner is BertTokenizer bert
            ? bert.EncodeToIds(text, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true)
            : inner.EncodeToIds(text);
        return Opening.Count + Closing.Count == 0 ? ids : [.. Opening, .. ids, .. Closing];
    }

    public string Decode(IEnumerable<int> ids) => inner.Decode(ids) ?? string.Empty;
}
