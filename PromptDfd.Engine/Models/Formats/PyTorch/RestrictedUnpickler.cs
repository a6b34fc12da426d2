using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace PromptDfd.Engine.Models.Formats.PyTorch;

/// <summary>A Python global a pickle names (module and attribute), e.g. collections.OrderedDict.</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>
/// Reads Python pickles without running anything: only the opcodes a saved state dict uses are understood, and every
/// global the pickle names must be one the caller allows. A pickle can ask to call any function at load time, which is
/// why a weights file is never handed to a general unpickler. Dicts come back as ordered lists of pairs, tuples as
/// object?[], lists as List&lt;object?&gt;, integers as long (BigInteger beyond 64 bits), strings as string, bytes as byte[].
/// </summary>
public sealed class RestrictedUnpickler
{
    private readonly Stream stream;
    private readonly string source;
    private readonly Func<PickleGlobal, bool> isAllowed;
    private readonly Func<PickleGlobal, object?[], object?> call;
    private readonly Func<object?, object?> persistentLoad;
    private readonly List<object?> stack = [];
    private readonly Stack<int> marks = new();
    private readonly Dictionary<long, object?> memo = [];

    /// <param name="source">the file named in errors</param>
    /// <param name="isAllowed">whether a global may appear at all; any other is refused before it could be used</param>
    /// <param name="call">what calling an allowed global with these arguments gives (REDUCE and NEWOBJ)</param>
    /// <param name="persistentLoad">what a persistent id stands for (PyTorch's storages)</param>
    public RestrictedUnpickler(Stream stream, string source, Func<PickleGlobal, bool> isAllowed,
        Func<PickleGlobal, object?[], object?> call, Func<object?, object?> persistentLoad)
    {
        this.stream = stream;
        this.source = source;
        this.isAllowed = isAllowed;
        this.call = call;
        this.persistentLoad = persistentLoad;
    }

    /// <summary>Reads one pickle, up to and including its STOP opcode, and returns the object it builds.</summary>
    public object? Load()
    {
        stack.Clear();
        marks.Clear();
        memo.Clear();
        while (true)
        {
            int opcode = stream.ReadByte();
            if (opcode < 0) throw Corrupt("the pickle ends before its STOP opcode (truncated file?)");
            switch ((byte)opcode)
            {
                case 0x80: ReadBytes(1); break; // PROTO: the version changes nothing we read
                case 0x95: ReadBytes(8); break; // FRAME: a length hint only
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': marks.Push(stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': stack.Add(Peek()); break; // DUP
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break; // BININT
                case (byte)'K': stack.Add((long)ReadBytes(1)[0]); break; // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
                case 0x8a: stack.Add(ReadLong(ReadBytes(1)[0])); break; // LONG1
                case 0x8b: stack.Add(ReadLong(ReadLength(4))); break; // LONG4
                case (byte)'I': stack.Add(ReadTextInteger()); break; // INT (protocol 0)
                case (byte)'L': stack.Add(ParseInteger(ReadLine().TrimEnd('L'))); break; // LONG (protocol 0)
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadLength(4)))); break; // BINUNICODE
                case 0x8c: stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadBytes(1)[0]))); break; // SHORT_BINUNICODE
                case 0x8d: stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadLength(8)))); break; // BINUNICODE8
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(ReadBytes(ReadBytes(1)[0]))); break; // SHORT_BINSTRING
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(ReadBytes(ReadLength(4)))); break; // BINSTRING
                case (byte)'C': stack.Add(ReadBytes(ReadBytes(1)[0])); break; // SHORT_BINBYTES
                case (byte)'B': stack.Add(ReadBytes(ReadLength(4))); break; // BINBYTES
                case 0x8e: stack.Add(ReadBytes(ReadLength(8))); break; // BINBYTES8
                case (byte)')': stack.Add(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': stack.Add(PopMark().ToArray()); break; // TUPLE
                case 0x85: stack.Add(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; } // TUPLE3
                case (byte)']': stack.Add(new List<object?>()); break; // EMPTY_LIST
                case (byte)'l': stack.Add(PopMark()); break; // LIST
                case (byte)'a': { var item = Pop(); AsList(Peek()).Add(item); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AsList(Peek()).AddRange(items); break; } // APPENDS
                case (byte)'}': stack.Add(new PickleDict()); break; // EMPTY_DICT
                case (byte)'d': stack.Add(PickleDict.FromPairs(PopMark(), Corrupt)); break; // DICT
                case (byte)'s': { var value = Pop(); var key = Pop(); AsDict(Peek()).Set(key, value); break; } // SETITEM
                case (byte)'u':
                    {
                        var items = PopMark(); var dict = AsDict(Peek()); for (int i = 0; i
                    + 1 < items.Count; i += 2) dict.Set(items[i], items[i + 1]); break;
                    } // SETITEMS
                case (byte)'q': memo[ReadBytes(1)[0]] = Peek(); break; // BINPUT
                case (byte)'r': memo[ReadLength(4)] = Peek(); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'p': memo[ParseInteger(ReadLine())] = Peek(); break; // PUT (protocol 0)
                case (byte)'h': stack.Add(Remembered(ReadBytes(1)[0])); break; // BINGET
                case (byte)'j': stack.Add(Remembered(ReadLength(4))); break; // LONG_BINGET
                case (byte)'g': stack.Add(Remembered(ParseInteger(ReadLine()))); break; // GET (protocol 0)
                case (byte)'c': stack.Add(Global(ReadLine(), ReadLine())); break; // GLOBAL
                case 0x93:
                    {
                        var name = Pop(); var module = Pop(); stack.Add(Global(AsString(module),
                    AsString(name))); break;
                    } // STACK_GLOBAL
                case (byte)'R': { var arguments = Pop(); var callable = Pop(); stack.Add(Call(callable, arguments)); break; } // REDUCE
                case 0x81: { var arguments = Pop(); var type = Pop(); stack.Add(Call(type, arguments)); break; } // NEWOBJ
                case (byte)'b': Build(Pop(), Peek()); break; // BUILD
                case (byte)'Q': stack.Add(persistentLoad(Pop())); break; // BINPERSID
                default:
                    throw Corrupt($"opcode 0x{opcode:x2} at byte {stream.Position - 1} is not one a saved state dict uses");
            }
        }
    }

    // BUILD sets an object's attributes from a state. The only objects built here are dicts (OrderedDict's
    // _metadata: module versions, which carry no weights) and tensors (their metadata), so the state is dropped.
    private void Build(object? state, object? target)
    {
        if (target is PickleDict or PickledTensor) return;
        throw Corrupt($"the pickle sets the state of a {Describe(target)}, which a state dict does not hold");
    }

    private object? Call(object? callable, object? arguments)
    {
        if (callable is not PickleGlobal global) throw Corrupt($"the pickle calls a {Describe(callable)}, which is not a function");
        if (arguments is not object?[] tuple) throw Corrupt($"the pickle calls {global} with a {Describe(arguments)} instead of an " +
            $"argument tuple");
        return call(global, tuple);
    }

    private PickleGlobal Global(string module, string name)
    {
        var global = new PickleGlobal(module, name);
        if (!isAllowed(global))
        {
            throw new InvalidDataException(
                $"'{source}' asks to run {global} when it is loaded. A file of model weights never needs that, so it is not read. " +
                "Save only the state dict (torch.save(model.state_dict(), path)) or convert the checkpoint to safetensors.");
        }
        return global;
    }

    private object? Remembered(long key) =>
        memo.TryGetValue(key, out object? value) ? value : throw Corrupt($"the pickle refers to memo entry {key}, which it never stored");

    private object? Pop()
    {
        if (stack.Count == 0
            || (marks.Count > 0 && marks.Peek() == stack.Count)) throw Corrupt("the pickle takes more values than it pushed");
        object? value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private object? Peek() => stack.Count > 0 ? stack[^1] : throw Corrupt("the pickle reads a value from an empty stack");

    private List<object?> PopMark()
    {
        if (marks.Count == 0) throw Corrupt("the pickle closes a MARK it never opened");
        int start = marks.Pop();
        var items = stack.GetRange(start, stack.Count - start);
        stack.RemoveRange(start, stack.Count - start);
        return items;
    }

    private List<object?> AsList(object? value) => value as List<object?> ?? throw Corrupt($"the pickle appends to a {Describe(value)}");

    private PickleDict AsDict(object? value) => value as PickleDict ?? throw Corrupt($"the pickle sets an item of a {Describe(value)}");

    private string AsString(object? value) => value as string ?? throw Corrupt($"the pickle names a global with a {Describe(value)}");

    private byte[] ReadBytes(long count)
    {
        if (count < 0 || count > stream.Length - stream.Position) throw Corrupt($"a value of {count:N0} bytes runs past the end of the " +
            $"pickle (truncated file?)");
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private long ReadLength(int width)
    {
        byte[] bytes = ReadBytes(width);
        return width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    // Integers that fit in 64 bits come back as long, larger ones (torch.save's magic number) as BigInteger.
    private object ReadLong(long length)
    {
        var value = new BigInteger(ReadBytes(length), isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private object ReadTextInteger()
    {
        string text = ReadLine();
        return text switch { "00" => false, "01" => true, _ => ParseInteger(text) };
    }

    private long ParseInteger(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture,
            out long value)
            ? value : throw Corrupt($"'{text}' is not an integer");

    private string ReadLine()
    {
        var bytes = new List<byte>();
        while (true)
        {
            int next = stream.ReadByte();
            if (next < 0) throw Corrupt("a text line runs past the end of the pickle (truncated file?)");
            if (next == '\n') return Encoding.UTF8.GetString(bytes.ToArray());
            if (bytes.Count > 4096) throw Corrupt("a text line in the pickle is longer than any name");
            bytes.Add((byte)next);
        }
    }

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        PickleGlobal global => global.ToString(),
        _ => value.GetType().Name,
    };

    private InvalidDataException Corrupt(string problem) => new($"'{source}' is not a readable PyTorch checkpoint: {problem}.");
}

/// <summary>A Python dict or OrderedDict from a pickle: its pairs in insertion order; a repeated key keeps its first place and last
/// value.</summary>
public sealed class PickleDict
{
    private readonly List<KeyValuePair<object?, object?>> pairs = [];
    private readonly Dictionary<object, int> placeOfKey = [];

    public IReadOnlyList<KeyValuePair<object?, object?>> Pairs => pairs;

    public void Set(object? key, object? value)
    {
        // None is a legal key but not a legal .NET dictionary key; it is looked up by scanning.
        int place = key is null ? pairs.FindIndex(pair => pair.Key is null) : placeOfKey.GetValueOrDefault(key, -1);
        if (place >= 0) { pairs[place] = new(key, value); return; }
        if (key is not null) placeOfKey[key] = pairs.Count;
        pairs.Add(new(key, value));
    }

    internal static PickleDict FromPairs(List<object?> items, Func<string, InvalidDataException> corrupt)
    {
        if (items.Count % 2 != 0) throw corrupt("a dict has a key without a value");
        var dict = new PickleDict();
        for (int i = 0; i < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
        return dict;
    }
}
