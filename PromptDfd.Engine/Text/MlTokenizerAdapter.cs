using Microsoft.ML.Tokenizers;

namespace PromptDfd.Engine.Text;

/// <summary>Adapts a Microsoft.ML.Tokenizers tokenizer to <see cref="ITextTokenizer"/>.</summary>
/// <param name="clean">applied to every text before the inner tokenizer sees it, where that tokenizer's own cleaning differs from the model's</param>
public sealed class MlTokenizerAdapter(
    Tokenizer inner, string description, int vocabularySize, int endOfTextId, int paddingId,
    bool addSpecialTokens = false, Func<string, string>? clean = null) : ITextTokenizer
{
    public Tokenizer Inner => inner;
    public string Description => description;
    public int VocabularySize => vocabularySize;
    public int EndOfTextId => endOfTextId;
    public int PaddingId => paddingId;
    public IReadOnlyList<int> Opening { get; } = addSpecialTokens && inner is BertTokenizer bert ? [bert.ClassificationTokenId] : [];
    public IReadOnlyList<int> Closing { get; } = addSpecialTokens && inner is BertTokenizer bert ? [bert.SeparatorTokenId] : [];

    public IReadOnlyList<int> Encode(string text)
    {
        if (clean is not null) text = clean(text);
        return inner is BertTokenizer bert
            ? bert.EncodeToIds(text, addSpecialTokens, considerPreTokenization: true, considerNormalization: true)
            : inner.EncodeToIds(text);
    }

    public string Decode(IEnumerable<int> ids) => inner.Decode(ids) ?? string.Empty;
}
