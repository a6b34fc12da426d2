using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
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
        int Special(string token) => pieces.Vocabulary.TryGetValue(token, out int id) ? id
            : throw new InvalidDataException($"'{path}' has no '{token}' piece; ALBERT's SentencePiece model holds <pad>, [CLS] and [SEP].");
        (classification, separator, padding) = (Special("[CLS]"), Special("[SEP]"), Special("<pad>"));
    }

    public static AlbertSentencePieceTokenizer Load(string path, string folder)
    {
        JsonNode? settings = ReadSettings(Path.Combine(folder, TokenizerFactory.SettingsFile));
        bool Flag(string key, bool unset) => settings?[key]?.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => unset,
        };
        SentencePieceTokenizer model;
        try
        {
            using var stream = new MemoryStream(SentencePieceModelFile.WithSentenceMarkers(File.ReadAllBytes(path)));
            model = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception error) when (error is not FileNotFoundException and not DirectoryNotFoundException and not UnauthorizedAccessException)
        {
            // a protobuf parse error (an IOException) or an unsupported model: the file itself is wrong
            throw new InvalidDataException($"'{path}' is not a SentencePiece model ({error.Message}). Copy the checkpoint's spiece.model again.", error);
        }
        return new AlbertSentencePieceTokenizer(model, Flag("do_lower_case", true), Flag("keep_accents", false), Flag("remove_space", true), path);
    }

    private static JsonNode? ReadSettings(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException error) { throw new InvalidDataException($"'{path}' is not valid JSON: {error.Message}", error); }
    }

    public string Description => $"SentencePiece ({VocabularySize:N0})";
    // The vocabulary Microsoft.ML.Tokenizers reports can list the sentence markers named above a second time.
    public int VocabularySize => pieces.Vocabulary.Values.Max() + 1;
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
                if (!piece.Value.StartsWith(Underline, StringComparison.Ordinal) && digits.Count > 0 && digits[0].StartsWith(Underline, StringComparison.Ordinal))
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

    // sentencepiece reads a run of unknown characters as one unknown piece; Microsoft.ML.Tokenizers as one per character.
    private List<EncodedToken> Pieces(string text)
    {
        IReadOnlyList<EncodedToken> tokens = pieces.EncodeToTokens(text, out _, addBeginningOfSentence: false, addEndOfSentence: false);
        return tokens.Where((token, i) => !(token.Id == pieces.UnknownId && i > 0 && tokens[i - 1].Id == pieces.UnknownId)).ToList();
    }

    private string Prepare(string text)
    {
        if (removeSpace) text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        text = text.Replace("``", "\"", StringComparison.Ordinal).Replace("''", "\"", StringComparison.Ordinal);
        if (!keepAccents)
        {
            var kept = new StringBuilder(text.Length);
            foreach (char c in text.Normalize(NormalizationForm.FormKD))
                if (CharUnicodeInfo.GetUnicodeCategory(c) is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)) kept.Append(c);
            text = kept.ToString();
        }
        return lowerCase ? text.ToLowerInvariant() : text;
    }
}

/// <summary>
/// Microsoft.ML.Tokenizers cannot load a SentencePiece model trained without sentence markers (bos_id and eos_id -1,
/// as ALBERT's was). Those ids are only used to add markers, which ALBERT's tokenizer never asks for, so the model's
/// trainer spec is rewritten to name its unknown piece instead; every piece and score stays as it was.
/// </summary>
internal static class SentencePieceModelFile
{
    private const int TrainerSpecField = 2, UnknownIdField = 40, BeginningIdField = 41, EndIdField = 42;

    public static byte[] WithSentenceMarkers(byte[] model) => Rewrite(model, (field, input, output) =>
    {
        if (field != TrainerSpecField) return false;
        byte[] spec = input.ReadBytes().ToByteArray();
        int unknown = ReadInt32(spec, UnknownIdField) ?? 0;
        output.WriteBytes(ByteString.CopyFrom(Rewrite(spec, (specField, specInput, specOutput) =>
        {
            if (specField is not (BeginningIdField or EndIdField)) return false;
            int id = specInput.ReadInt32();
            specOutput.WriteInt32(id < 0 ? unknown : id);
            return true;
        })));
        return true;
    });

    private static int? ReadInt32(byte[] message, int wanted)
    {
        int? found = null;
        Rewrite(message, (field, input, output) =>
        {
            if (field != wanted) return false;
            found = input.ReadInt32();
            output.WriteInt32(found.Value);
            return true;
        });
        return found;
    }

    /// <summary>Copies a protobuf message field by field; <paramref name="replace"/> may read a field's value and write its own (after the tag).</summary>
    private static byte[] Rewrite(byte[] message, Func<int, CodedInputStream, CodedOutputStream, bool> replace)
    {
        var input = new CodedInputStream(message);
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            output.WriteTag(tag);
            if (replace(WireFormat.GetTagFieldNumber(tag), input, output)) continue;
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint: output.WriteUInt64(input.ReadUInt64()); break;
                case WireFormat.WireType.Fixed64: output.WriteFixed64(input.ReadFixed64()); break;
                case WireFormat.WireType.Fixed32: output.WriteFixed32(input.ReadFixed32()); break;
                case WireFormat.WireType.LengthDelimited: output.WriteBytes(input.ReadBytes()); break;
                default: throw new InvalidDataException($"unsupported protobuf wire type in field {WireFormat.GetTagFieldNumber(tag)}");
            }
        }
        output.Flush();
        return buffer.ToArray();
    }
}
