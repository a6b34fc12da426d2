using Google.Protobuf;
using Microsoft.ML.Tokenizers;

namespace PromptDfd.Engine.Text;

/// <summary>Loads SentencePiece models for the tokenizers built on them, where Microsoft.ML.Tokenizers and sentencepiece differ.</summary>
internal static class SentencePieceModelFile
{
    private const int TrainerSpecField = 2, UnknownIdField = 40, BeginningIdField = 41, EndIdField = 42;

    public static SentencePieceTokenizer Load(string path)
    {
        byte[] model = File.ReadAllBytes(path);
        try
        {
            using var stream = new MemoryStream(WithSentenceMarkers(model));
            return SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception error) // a protobuf parse error (an IOException) or an unsupported model: the file itself is wrong
        {
            throw new InvalidDataException($"'{path}' is not a SentencePiece model ({error.Message}). Copy the checkpoint's " +
                $"{Path.GetFileName(path)} again.", error);
        }
    }

    /// <summary>How many pieces the model has; the vocabulary Microsoft.ML.Tokenizers reports can list the sentence markers a second
    /// time.</summary>
    public static int PieceCount(SentencePieceTokenizer model) => model.Vocabulary.Values.Max() + 1;

    /// <summary>The id of a special piece a model family's tokenizer needs, or an error naming the file and the pieces that family
    /// holds.</summary>
    public static int RequiredPiece(SentencePieceTokenizer model, string piece, string path, string family, string pieces) =>
        model.Vocabulary.TryGetValue(piece, out int id) ? id
            : throw new InvalidDataException($"'{path}' has no '{piece}' piece; {family}'s SentencePiece model holds {pieces}.");

    /// <summary>sentencepiece reads a run of unknown characters as one unknown piece; Microsoft.ML.Tokenizers as one per
    /// character.</summary>
    public static IEnumerable<T> OneUnknownPerRun<T>(IReadOnlyList<T> pieces, Func<T, int> id, int unknown) =>
        pieces.Where((piece, i) => !(id(piece) == unknown && i > 0 && id(pieces[i - 1]) == unknown));

    /// <summary>
    /// Microsoft.ML.Tokenizers cannot load a model trained without sentence markers (bos_id and eos_id -1, as ALBERT's
    /// was). Those ids are only used to add markers, which our tokenizers never ask for, so the trainer spec is rewritten
    /// to name the unknown piece instead; every piece and score stays as it was.
    /// </summary>
    private static byte[] WithSentenceMarkers(byte[] model) => Rewrite(model, (field, input, output) =>
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

    /// <summary>Copies a protobuf message field by field; <paramref name="replace"/> may read a field's value and write its own (after the
    /// tag).</summary>
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
