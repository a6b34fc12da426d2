using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace PromptDfd.Engine.Text;

/// <summary>
/// ALBERT's tokenizer, as transformers' AlbertTokenizer reads text: whitespace runs collapsed, `` and '' turned into ",
/// accents stripped and the text lower-cased (remove_space, keep_accents and do_lower_case in tokenizer_config.json),
/// then its SentencePiece model (spiece.model), with a piece like "▁9," split into "▁9" and ",". Ids are the model's own;
/// encodings are wrapped in [CLS] ... [SEP].
/// </summary>
public sealed class AlbertSentencePieceTokenizer : ITextTokenizer
{
    private const string Underline = "\u2581";
    private readonly SentencePieceTokenizer pieces;
    private readonly bool lowerCase, keepAccents, removeSpace;
    private readonly int classification, separator, padding;

    private AlbertSentencePieceTokenizer(SentencePieceTokenizer pieces, bool lowerCase, bool keepAccents, bool removeSpace, string path)
    {
        this.pieces = pieces;
        (this.lowerCase, this.keepAccents, this.removeSpace) = (lowerCase, keepAccents, removeSpace);
        int Special(string token) => SentencePieceModelFile.RequiredPiece(pieces, token, path, "ALBERT", "<pad>, [CLS] and [SEP]");
        (classification, separator, padding) = (Special("[CLS]"), Special("[SEP]"), Special("<pad>"));
    }

    public static AlbertSentencePieceTokenizer Load(string path, string folder)
    {
        var settings = TokenizerSettingsFile.Read(folder);
        return new AlbertSentencePieceTokenizer(SentencePieceModelFile.Load(path), settings.Flag("do_lower_case") ?? true,
            settings.Flag("keep_accents") ?? false, settings.Flag("remove_space") ?? true, path);
    }

    public string Description => $"SentencePiece ({VocabularySize:N0})";
    public int VocabularySize => SentencePieceModelFile.PieceCount(pieces);
    public int EndOfTextId => separator;
    public int PaddingId => padding;
    public IReadOnlyList<int> Opening => [classification];
    public IReadOnlyList<int> Closing => [separator];

    public IReadOnlyList<int> Encode(string text)
    {
        var encoded = new List<int> { classification };
        foreach (EncodedToken piece in Pieces(Prepare(text)))
        {
            if (piece.Value.Length > 1 && piece.Value[^1] == ',' && char.IsDigit(piece.Value[^2]))
            {
                // transformers re-reads "▁9," without its comma, keeping the word boundary only where the piece had one.
                var digits = Pieces(piece.Value[..^1].Replace(Underline, "", StringComparison.Ordinal)).Select(p => p.Value).ToList();
                if (!piece.Value.StartsWith(Underline, StringComparison.Ordinal) && digits.Count > 0
                    && digits[0].StartsWith(Underline, StringComparison.Ordinal))
                {
                    if (digits[0].Length == Underline.Length) digits.RemoveAt(0);
                    else digits[0] = digits[0][Underline.Length..];
                }
                encoded.AddRange(digits.Select(Id));
                encoded.Add(Id(","));
            }
            else encoded.Add(piece.Id);
        }
        encoded.Add(separator);
        return encoded;
    }

    public string Decode(IEnumerable<int> ids) =>
        pieces.Decode(ids.Where(id => id != classification && id != separator && id != padding)) ?? string.Empty;

    private int Id(string piece) => pieces.Vocabulary.TryGetValue(piece, out int id) ? id : pieces.UnknownId;

    private List<EncodedToken> Pieces(string text) =>
        [.. SentencePieceModelFile.OneUnknownPerRun(pieces.EncodeToTokens(text, out _, addBeginningOfSentence: false,
            addEndOfSentence: false), token => token.Id, pieces.UnknownId)];

    private string Prepare(string text)
    {
        if (removeSpace) text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        text = text.Replace("``", "\"", StringComparison.Ordinal).Replace("''", "\"", StringComparison.Ordinal);
        if (!keepAccents)
        {
            var kept = new StringBuilder(text.Length);
            foreach (char c in text.Normalize(NormalizationForm.FormKD))
            {
                bool accent = CharUnicodeInfo.GetUnicodeCategory(c)
                    is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
                if (!accent) kept.Append(c);
            }
            text = kept.ToString();
        }
        return lowerCase ? text.ToLowerInvariant() : text;
    }
}
