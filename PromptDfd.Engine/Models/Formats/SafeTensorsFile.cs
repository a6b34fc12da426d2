using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.Formats;

/// <summary>One tensor read from a .safetensors file, widened to float32.</summary>
public sealed record NamedArray(string Name, long[] Shape, float[] Values)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The dtype the file stored it in (F32, F16, BF16 or F64), which decides what one rounding step is.</summary>
    public string StoredType { get; init; } = "F32";
}

/// <summary>
/// Where one floating-point tensor sits in a .safetensors file. Its values are read only when asked for, so a loader
/// holds one tensor at a time beside the model instead of a second copy of the whole file.
/// </summary>
public sealed record StoredTensor(string FilePath, string Name, long[] Shape, string StoredType, long Offset)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public float[] ReadValues()
    {
        var values = new float[ElementCount];
        ReadInto(values);
        return values;
    }

    /// <summary>
    /// Element strides when the values are not laid out row-major from <see cref="Offset"/> (a PyTorch tensor that
    /// viewed its storage transposed or sliced); null when they are, as in every safetensors file.
    /// </summary>
    public long[]? ElementStrides { get; init; }

    /// <summary>Reads the values, widened to float32, into memory of exactly <see cref="ElementCount"/> floats (say, a tensor's
    /// own).</summary>
    public void ReadInto(Span<float> target)
    {
        if (target.Length != ElementCount) throw new ArgumentException($"'{Name}' has {ElementCount:N0} values, not {target.Length:N0}.",
            nameof(target));
        using var stream = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1) { Position = Offset };
        if (ElementStrides is null || ElementCount == 0)
        {
            SafeTensorsFile.ReadWidened(stream, StoredType, target);
            return;
        }
        // Read the whole stretch of storage the view spans, then pick its elements out in row-major order.
        long span = 1 + Shape.Zip(ElementStrides, (size, stride) => (size - 1) * stride).Sum();
        var stored = new float[span];
        SafeTensorsFile.ReadWidened(stream, StoredType, stored);
        var index = new long[Shape.Length];
        long source = 0;
        for (int written = 0; written < target.Length; written++)
        {
            target[written] = stored[source];
            for (int dimension = Shape.Length - 1; dimension >= 0; dimension--)
            {
                source += ElementStrides[dimension];
                if (++index[dimension] < Shape[dimension]) break;
                source -= ElementStrides[dimension] * Shape[dimension];
                index[dimension] = 0;
            }
        }
    }

    /// <summary>The strides of a row-major (C-contiguous) tensor of this shape, in elements.</summary>
    public static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int dimension = shape.Length - 1; dimension >= 0; dimension--)
        {
            strides[dimension] = stride;
            stride *= shape[dimension];
        }
        return strides;
    }

    public NamedArray Read() => new(Name, Shape, ReadValues()) { StoredType = StoredType };
}

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON header, raw data) without
/// depending on TorchSharp, so the golden tests can read weights independently. Every structural problem is
/// reported with the file name and the tensor key.
/// </summary>
public static class SafeTensorsFile
{
    private const long MaximumHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Reads every floating-point tensor, widened to float32.</summary>
    public static IReadOnlyDictionary<string, NamedArray> Read(string path) =>
        ReadIndex(path).ToDictionary(entry => entry.Key, entry => entry.Value.Read(), StringComparer.Ordinal);

    /// <summary>
    /// Checks the header of a file of any size (gpt2-xl's is 6.4 GB) and says where each floating-point tensor is,
    /// reading no values.
    /// </summary>
    public static IReadOnlyDictionary<string, StoredTensor> ReadIndex(string path)
    {
        FileStream stream;
        try { stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"Weights file '{path}' does not exist.", path); }
        using var _ = stream;

        long fileLength = stream.Length;
        if (fileLength < 8) throw Corrupt(path, $"the file has {fileLength} bytes, fewer than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > MaximumHeaderBytes || 8 + headerLength > fileLength)
        {
            throw Corrupt(path, $"the header length {headerLength} does not fit in a file of {fileLength} bytes (truncated download?)");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes) as JsonObject ?? throw Corrupt(path, "the header is not a JSON object");
        }
        catch (JsonException error) { throw Corrupt(path, $"the header is not valid JSON ({error.Message})"); }

        long dataStart = 8 + headerLength, dataLength = fileLength - dataStart;
        var result = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        var extents = new List<(long Start, long End, string Name)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            if (node is not JsonObject entry) throw Corrupt(path, $"tensor '{name}' has no description object");
            string dtype = entry["dtype"] is JsonValue dtypeValue && dtypeValue.TryGetValue(out string? text)
                ? text : throw Corrupt(path, $"tensor '{name}': dtype must be a string such as \"F32\" (found {Describe(entry["dtype"])})");
            long[] shape = Integers(entry, "shape", name, path);
            long[] offsets = Integers(entry, "data_offsets", name, path);
            if (offsets.Length != 2 || offsets[1] < offsets[0] || offsets[1] > dataLength)
            {
                throw Corrupt(path, $"tensor '{name}' claims bytes [{string.Join(", ", offsets)}] but the data section has {dataLength} " +
                    $"bytes (truncated file?)");
            }
            long count;
            try { count = shape.Aggregate(1L, (a, b) => checked(a * b)); }
            catch (OverflowException) { throw Corrupt(path, $"tensor '{name}' has a shape [{string.Join(", ", shape)}] too large to hold"); }
            int width = ElementWidth(dtype, path, name);
            if (offsets[1] - offsets[0] != count * width)
            {
                throw Corrupt(path, $"tensor '{name}' of shape [{string.Join(", ", shape)}] and dtype {dtype} needs {count * width} " +
                    $"bytes but has {offsets[1] - offsets[0]}");
            }
            extents.Add((offsets[0], offsets[1], name));
            // Integer and boolean tensors in Hugging Face files are index buffers (position_ids, token_type_ids) that
            // older transformers versions saved with the weights; they are checked for size, never loaded.
            if (IndexTypes.Contains(dtype)) continue;
            if (count > Array.MaxLength) throw Corrupt(path, $"tensor '{name}' has {count:N0} elements, more than one array can hold");
            result[name] = new StoredTensor(path, name, shape, dtype, dataStart + offsets[0]);
        }
        // Two tensors may not share bytes: a crafted header could otherwise make one weight read another's values.
        var ordered = extents.Where(e => e.End > e.Start).OrderBy(e => e.Start).ToList();
        for (int i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Start < ordered[i - 1].End)
                throw Corrupt(path, $"tensors '{ordered[i - 1].Name}' and '{ordered[i].Name}' overlap in the data section (bytes " +
                    $"{ordered[i].Start} to {Math.Min(ordered[i].End, ordered[i - 1].End)})");
        }
        return result;
    }

    /// <summary>Writes tensors as F32 (exact) or F16 (half the size, for shipped inference weights); keys are
    /// sorted so identical weights give identical files.</summary>
    public static void Write(string path, IEnumerable<NamedArray> arrays, IReadOnlyDictionary<string, string>? metadata = null, bool half =
        false)
    {
        int width = half ? 2 : 4;
        var ordered = arrays.OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata) meta[key] = value;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (NamedArray array in ordered)
        {
            long size = array.Values.LongLength * width;
            header[array.Name] = new JsonObject
            {
                ["dtype"] = half ? "F16" : "F32",
                ["shape"] = new JsonArray(array.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - headerBytes.Length % 8) % 8; // the format recommends 8-byte aligned data
        string temporary = path + ".partial";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, headerBytes.Length + padding);
            stream.Write(length);
            stream.Write(headerBytes);
            for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
            foreach (NamedArray array in ordered)
            {
                var buffer = new byte[array.Values.Length * width];
                for (int i = 0; i < array.Values.Length; i++)
                {
                    if (half) BinaryPrimitives.WriteHalfLittleEndian(buffer.AsSpan(i * 2), (Half)array.Values[i]);
                    else BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), array.Values[i]);
                }
                stream.Write(buffer);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static readonly HashSet<string> IndexTypes = ["I64", "I32", "I16", "I8", "U8", "BOOL"];

    private static int ElementWidth(string dtype, string path, string name) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw Corrupt(path,
            $"tensor '{name}' has dtype {dtype}; only F32, F16, BF16 and F64 weights (and integer index buffers) are supported"),
    };

    // Float32 on a little-endian machine is read straight into the target; other types are converted through a buffer.
    internal static void ReadWidened(Stream stream, string dtype, Span<float> target)
    {
        const int chunkElements = 1 << 22;
        if (dtype == "F32" && BitConverter.IsLittleEndian)
        {
            for (int first = 0; first < target.Length; first += chunkElements)
                stream.ReadExactly(MemoryMarshal.AsBytes(target.Slice(first, Math.Min(chunkElements, target.Length - first))));
            return;
        }
        int width = dtype switch { "F64" => 8, "F32" => 4, _ => 2 };
        var buffer = new byte[Math.Min(target.Length, chunkElements) * width];
        for (int first = 0; first < target.Length; first += chunkElements)
        {
            int n = Math.Min(chunkElements, target.Length - first);
            Span<byte> data = buffer.AsSpan(0, n * width);
            stream.ReadExactly(data);
            Span<float> values = target.Slice(first, n);
            switch (dtype)
            {
                case "F32":
                    for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
                    break;
                case "F16":
                    for (int i = 0; i < n; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]);
                    break;
                case "BF16":
                    for (int i = 0; i < n; i++) values[i] =
                        BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data[(i * 2)..]) << 16);
                    break;
                default:
                    for (int i = 0; i < n; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]);
                    break;
            }
        }
    }

    /// <summary>A header list of non-negative integers (a shape, data offsets), refused with the key when it is anything else.</summary>
    private static long[] Integers(JsonObject entry, string key, string name, string path)
    {
        if (entry[key] is not JsonArray array) throw Corrupt(path, $"tensor '{name}' has no {key} list (found {Describe(entry[key])})");
        var values = new long[array.Count];
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonValue value || !value.TryGetValue(out long number) || number < 0)
                throw Corrupt(path, $"tensor '{name}': {key} must hold non-negative integers (found {Describe(array[i])} at index {i})");
            values[i] = number;
        }
        return values;
    }

    private static string Describe(JsonNode? node) => node is null ? "nothing" : node.ToJsonString();

    private static InvalidDataException Corrupt(string path, string problem) =>
        new($"Weights file '{path}' is corrupt: {problem}. Re-export or re-copy the checkpoint.");
}
