using Microsoft.ML.Tokenizers;

namespace PromptDfd.Engine.Text;

/// <summary>
/// XLM-RoBERTa's tokenizer: a SentencePiece model (sentencepiece.bpe.model) whose ids fairseq shifted by one to put
/// &lt;s&gt; 0, &lt;pad&gt; 1, &lt;/s&gt; 2 and &lt;unk&gt; 3 first, with &lt;mask&gt; after the last piece, as transformers'
/// XLMRobertaTokenizer numbers them. Encodings are wrapped in &lt;s&gt; ... &lt;/s&gt;.
/// </summary>
public sealed class FairseqSentencePieceTokenizer : ITextTokenizer
{
    private const int Start = 0, Pad = 1, End = 2, Unknown = 3, Offset = 1;
    private readonly SentencePieceTokenizer pieces;
    private readonly int pieceCount;

    private FairseqSentencePieceTokenizer(SentencePieceTokenizer pieces)
    {
        this.pieces = pieces;
        pieceCount = SentencePieceModelFile.PieceCount(pieces);
    }

    public static FairseqSentencePieceTokenizer Load(string path) => new(SentencePieceModelFile.Load(path));

    public string Description => $"SentencePiece ({VocabularySize:N0})";
    public int VocabularySize => pieceCount + Offset + 1; // the pieces, shifted by one, then <mask>
    public int EndOfTextId => End;
    public int PaddingId => Pad;
    public IReadOnlyList<int> Opening { get; } = [Start];
    public IReadOnlyList<int> Closing { get; } = [End];

    public IReadOnlyList<int> Encode(string text)
    {
        IReadOnlyList<int> ids = pieces.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);
        return [Start, .. SentencePieceModelFile.OneUnknownPerRun(ids, id => id, pieces.UnknownId).Select(id => id == pieces.UnknownId
            ? Unknown : id + Offset), End];
    }

    public string Decode(IEnumerable<int> ids) =>
        pieces.Decode(ids.Where(id => id > Unknown && id <= pieceCount).Select(id => id - Offset)) ?? string.Empty;
}
