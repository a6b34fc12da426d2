using System.Buffers.Binary;
using System.Text;

namespace PromptDfd.Engine.Data.RFormat;

/// <summary>
/// Reads R's binary serialization (format "X", versions 2 and 3: what saveRDS, save and lazy-load databases write) into
/// <see cref="RObject"/>s. Code (closures, bytecode, environments' contents) is outside what data needs and is refused.
/// </summary>
public sealed class RSerialization
{
    // Serialization-only markers that share the type byte with SEXP types.
    private const int RefMarker = 255, NilValue = 254, GlobalEnvironment = 253, UnboundValue = 252, MissingArgument = 251,
        BaseNamespace = 247, EmptyEnvironment = 242, BaseEnvironment = 241, AttributeLanguage = 240, AttributeList = 239,
        Alternative = 238;
    private const int HasAttributes = 1 << 9, HasTag = 1 << 10;
    private const int Latin1 = 1 << 2;

    private readonly byte[] data;
    private readonly List<RObject> references = [];
    private int position;

    private RSerialization(byte[] data) => this.data = data;

    /// <summary>The value a serialization holds (without compression: callers decompress first).</summary>
    public static RObject? Read(byte[] serialized)
    {
        var reader = new RSerialization(serialized);
        if (serialized.Length < 2 || serialized[0] != (byte)'X' || serialized[1] != (byte)'\n')
            throw new InvalidDataException("Not an R binary (XDR) serialization: it should start with \"X\\n\".");
        reader.position = 2;
        int version = reader.Int();
        reader.Int();
        reader.Int();
        if (version is not (2 or 3)) throw new InvalidDataException($"R serialization version {version} is not supported (2 or 3 are).");
        if (version == 3)
        {
            int encodingLength = reader.Int();
            reader.position += encodingLength;
        }
        return reader.Item();
    }

    private RObject? Item()
    {
        int flags = Int();
        int type = flags & 0xFF;
        bool attributes = (flags & HasAttributes) != 0, tagged = (flags & HasTag) != 0;
        switch (type)
        {
            case NilValue: return null;
            case EmptyEnvironment or BaseEnvironment or GlobalEnvironment or UnboundValue or MissingArgument or BaseNamespace:
                return new RObject(RType.Environment);
            case RefMarker:
                int index = flags >> 8;
                return references[(index == 0 ? Int() : index) - 1];
            case (int)RType.Symbol:
                var symbol = new RObject(RType.Symbol) { Name = Item()?.Elements as string ?? "" };
                references.Add(symbol);
                return symbol;
            case (int)RType.PairList or (int)RType.Language or (int)RType.Closure or (int)RType.Promise or (int)RType.Dots
                or AttributeList or AttributeLanguage:
                return PairList(attributes, tagged);
            case Alternative:
                return Alternate();
            case (int)RType.Char:
                int length = Int();
                if (length == -1) return new RObject(RType.Char, null);
                Encoding encoding = (flags >> 12 & Latin1) != 0 ? Encoding.Latin1 : Encoding.UTF8;
                string text = encoding.GetString(data, position, length);
                position += length;
                return new RObject(RType.Char, text);
        }
        RObject vector = Vector((RType)type);
        if (attributes) ReadAttributes(vector);
        return vector;
    }

    private RObject PairList(bool attributes, bool tagged)
    {
        var list = new RObject(RType.PairList);
        RObject? attributeList = attributes ? Item() : null;
        while (true)
        {
            string? tag = tagged ? Item()?.Name : null;
            list.Pairs.Add((tag, Item()));
            // The rest of the list comes as the next cell's header, or as NULL.
            int flags = Int();
            int type = flags & 0xFF;
            if (type == NilValue) break;
            if (type is not ((int)RType.PairList or AttributeList or (int)RType.Language or AttributeLanguage))
            {
                position -= 4;
                list.Pairs.Add((null, Item()));
                break;
            }
            if ((flags & HasAttributes) != 0) Item();
            tagged = (flags & HasTag) != 0;
        }
        if (attributeList is not null) CopyAttributes(attributeList, list);
        return list;
    }

    private RObject Vector(RType type)
    {
        int length = Length();
        switch (type)
        {
            case RType.Logical or RType.Integer:
                var integers = new int[length];
                for (int i = 0; i < length; i++) integers[i] = Int();
                return new RObject(type, integers);
            case RType.Double:
                var doubles = new double[length];
                for (int i = 0; i < length; i++) doubles[i] = BitConverter.Int64BitsToDouble(Long());
                return new RObject(type, doubles);
            case RType.Complex:
                position += length * 16;
                return new RObject(type);
            case RType.Character:
                var strings = new string?[length];
                for (int i = 0; i < length; i++) strings[i] = Item()?.Elements as string;
                return new RObject(type, strings);
            case RType.List or RType.Expression:
                var items = new RObject?[length];
                for (int i = 0; i < length; i++) items[i] = Item();
                return new RObject(type, items);
            case RType.Raw:
                byte[] bytes = data.AsSpan(position, length).ToArray();
                position += length;
                return new RObject(type, bytes);
            default:
                throw new InvalidDataException($"R value of type {(int)type} ({type}) is not data this reader knows; only vectors, " +
                    "lists, pairlists and their attributes are read.");
        }
    }

    /// <summary>ALTREP values (compact sequences, deferred strings, wrappers) are written by their class and state.</summary>
    private RObject Alternate()
    {
        RObject? info = Item();
        RObject? state = Item();
        RObject? attributes = Item();
        string kind = info?.Pairs.FirstOrDefault().Value?.Name ?? "";
        RObject value;
        if (kind == "compact_intseq" && state?.Elements is double[] intSequence)
        {
            var values = new int[(int)intSequence[0]];
            for (int i = 0; i < values.Length; i++) values[i] = (int)(intSequence[1] + i * intSequence[2]);
            value = new RObject(RType.Integer, values);
        }
        else if (kind == "compact_realseq" && state?.Elements is double[] realSequence)
        {
            var values = new double[(int)realSequence[0]];
            for (int i = 0; i < values.Length; i++) values[i] = realSequence[1] + i * realSequence[2];
            value = new RObject(RType.Double, values);
        }
        else if ((kind.StartsWith("wrap_", StringComparison.Ordinal) || kind == "deferred_string") && state is { Pairs.Count: > 0 })
            value = state.Pairs[0].Value ?? new RObject(RType.Null);
        else throw new InvalidDataException($"The R data holds an ALTREP value of class '{kind}', which this reader does not expand.");
        if (attributes is not null) CopyAttributes(attributes, value);
        return value;
    }

    private void ReadAttributes(RObject target)
    {
        if (Item() is { } attributes) CopyAttributes(attributes, target);
    }

    private static void CopyAttributes(RObject pairList, RObject target)
    {
        foreach (var (tag, value) in pairList.Pairs)
            if (tag is not null) target.Attributes[tag] = value;
    }

    private int Length()
    {
        int length = Int();
        if (length != -1) return length;
        long upper = Int(), lower = (uint)Int();
        long whole = upper << 32 | lower;
        return whole <= int.MaxValue ? (int)whole
            : throw new InvalidDataException($"An R vector of {whole} elements is longer than this reader can hold.");
    }

    private int Int()
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(position, 4));
        position += 4;
        return value;
    }

    private long Long()
    {
        long value = BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(position, 8));
        position += 8;
        return value;
    }
}
