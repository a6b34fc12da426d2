using Microsoft.ML.Tokenizers;

namespace PromptDfd.Engine.Text;

/// <summary>
/// DeBERTa-v2/v3's tokenizer, as transformers' DebertaV2Tokenizer reads text: its SentencePiece model (spm.model)
/// straight, lower-cased first only when tokenizer_config.json says do_lower_case. Ids are the model's own, whose first
/// pieces are [PAD], [CLS], [SEP] and [UNK]; [MASK] comes after the last piece. Encodings are wrapped in [CLS] ... [SEP].
/// </summary>
public sealed class DebertaSentencePieceTokenizer : ITextTokenizer
{
    private readonly SentencePieceTokenizer pieces;
    private readonly bool lowerCase;
    private readonly int classification, separator, padding, unknown;

    private DebertaSentencePieceTokenizer(SentencePieceTokenizer pieces, bool lowerCase, string path)
    {
        this.pieces = pieces;
        this.lowerCase = lowerCase;
        int Special(string token) => SentencePieceModelFile.RequiredPiece(pieces, token, path, "DeBERTa", "[PAD], [CLS], [SEP] and [UNK]");
        (padding, classification, separator, unknown) = (Special("[PAD]"), Special("[CLS]"), Special("[SEP]"), Special("[UNK]"));
    }

    public static DebertaSentencePieceTokenizer Load(string path, string folder)
    {
        var settings = TokenizerSettingsFile.Read(folder);
        if (settings.Flag("split_by_punct") == true)
            throw new InvalidDataException($"'{Path.Combine(folder, TokenizerFactory.SettingsFile)}' sets split_by_punct; only DeBERTa's " +
                $"default (false), which encodes the text whole, is supported.");
        return new DebertaSentencePieceTokenizer(SentencePieceModelFile.Load(path), settings.Flag("do_lower_case") ?? false, path);
    }

    public string Description => $"SentencePiece ({VocabularySize:N0})";
    public int VocabularySize => SentencePieceModelFile.PieceCount(pieces) + 1; // the pieces, then [MASK]
    public int EndOfTextId => separator;
    public int PaddingId => padding;
    public IReadOnlyList<int> Opening => [classification];
    public IReadOnlyList<int> Closing => [separator];

    public IReadOnlyList<int> Encode(string text)
    {
        IReadOnlyList<int> ids = pieces.EncodeToIds(lowerCase ? text.ToLowerInvariant() : text, addBeginningOfSentence: false,
            addEndOfSentence: false);
        return [classification, .. SentencePieceModelFile.OneUnknownPerRun(ids, id => id, pieces.UnknownId).Select(id =>
            id == pieces.UnknownId ? unknown : id), separator];
    }

    public string Decode(IEnumerable<int> ids) =>
        pieces.Decode(ids.Where(id => id != classification && id != separator && id != padding
            && id < SentencePieceModelFile.PieceCount(pieces))) ?? string.Empty;
}
