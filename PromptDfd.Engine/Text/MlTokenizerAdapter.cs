using Microsoft.ML.Tokenizers;

namespace PromptDfd.Engine.Text;

/// <summary>Adapts a Microsoft.ML.Tokenizers tokenizer to <see cref="ITextTokenizer"/>.</summary>
public sealed class MlTokenizerAdapter(
    Tokenizer inner, string description, int vocabularySize, int endOfTextId, int paddingId,
    bool addSpecialTokens = false) : ITextTokenizer
{
    public Tokenizer Inner => inner;
    public string Description => description;
    public int VocabularySize => vocabularySize;
    public int EndOfTextId => endOfTextId;
    public int PaddingId => paddingId;
    public IReadOnlyList<int> Opening { get; } = addSpecialTokens && inner is BertTokenizer bert ? [bert.ClassificationTokenId] : [];
    public IReadOnlyList<int> Closing { get; } = addSpecialTokens && inner is BertTokenizer bert ? [bert.SeparatorTokenId] : [];

    public IReadOnlyList<int> Encode(string text) =>
        inner is BertTokenizer bert
            ? bert.EncodeToIds(text, addSpecialTokens, considerPreTokenization: true, considerNormalization: true)
            : inner.EncodeToIds(text);

    public string Decode(IEnumerable<int> ids) => inner.Decode(ids) ?? string.Empty;
}
