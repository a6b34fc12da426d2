using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace PromptDfd.Engine.Models.Formats.PyTorch;

/// <summary>A storage a pickled tensor views: the record its values are in, their type, and the elements it spans.</summary>
internal sealed record PickledStorage(string Key, string DType, long ElementCount, long FirstElement);

/// <summary>A tensor as torch.save pickles it: a view (offset, shape, strides in elements) of a storage.</summary>
internal sealed record PickledTensor(PickledStorage Storage, long StorageOffset, long[] Shape, long[] Strides);

/// <summary>
/// Reads the state dicts torch.save writes (pytorch_model.bin): the zip format of PyTorch 1.6 and later, and the
/// older single-stream format older checkpoints on the Hugging Face hub still use. Nothing in the pickle is run:
/// only the handful of globals a state dict names are understood, and values are read in place, like safetensors'.
/// </summary>
public static class PyTorchWeightsFile
{
    private const string ZipMagic = "PK\u0003\u0004";
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356");

    private static readonly Dictionary<string, string> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = "F32",
        ["HalfStorage"] = "F16",
        ["BFloat16Storage"] = "BF16",
        ["DoubleStorage"] = "F64",
        ["LongStorage"] = "I64",
        ["IntStorage"] = "I32",
        ["ShortStorage"] = "I16",
        ["CharStorage"] = "I8",
        ["ByteStorage"] = "U8",
        ["BoolStorage"] = "BOOL",
    };

    private static readonly HashSet<string> FloatTypes = ["F32", "F16", "BF16", "F64"];

    /// <summary>Where each floating-point tensor of the state dict is; integer buffers are left out, as from safetensors.</summary>
    public static IReadOnlyDictionary<string, StoredTensor> ReadIndex(string path)
    {
        FileStream stream;
        try { stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"Weights file '{path}' does not exist.", path); }
        using var _ = stream;
        var start = new byte[Math.Min(stream.Length, 512)];
        stream.ReadExactly(start);
        if (start.Length >= 4 && Encoding.Latin1.GetString(start, 0, 4) == ZipMagic) return FromZip(stream, path);
        if (start.Length >= 262 && Encoding.Latin1.GetString(start, 257, 5) == "ustar")
            throw Unreadable(path, "it is in the tar format of PyTorch 0.3 and earlier; load it with torch and save it again");
        if (start.Length >= 2 && start[0] == 0x80) return FromLegacyStream(stream, path);
        throw Unreadable(path, "it is neither a zip archive nor a pickle, so torch.save did not write it (truncated or not a checkpoint?)");
    }

    private static Dictionary<string, StoredTensor> FromZip(FileStream stream, string path)
    {
        var entries = ZipDirectory.Read(stream, path);
        var pickles = entries.Keys.Where(name => name.EndsWith("/data.pkl", StringComparison.Ordinal)
            && name.Count(c => c == '/') == 1).ToList();
        if (pickles.Count != 1) throw Unreadable(path,
            $"a torch.save archive holds one <name>/data.pkl, and this one holds {pickles.Count}");
        string folder = pickles[0][..^"data.pkl".Length];
        if (entries.TryGetValue(folder + "byteorder", out ZipEntry? byteOrder)
            && Encoding.ASCII.GetString(ReadEntry(stream, byteOrder, path)) != "little")
            throw Unreadable(path, "it was saved on a big-endian machine; load it there and save it as safetensors");

        var tensors = ReadStateDict(new MemoryStream(ReadEntry(stream, entries[pickles[0]], path)), path, new Dictionary<string,
            string>(StringComparer.Ordinal));
        var located = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var storage in tensors.Values.Select(tensor => tensor.Storage).DistinctBy(storage => storage.Key))
        {
            if (!entries.TryGetValue(folder + "data/" + storage.Key, out ZipEntry? entry))
                throw Unreadable(path,
                    $"its pickle refers to storage '{storage.Key}', which the archive does not hold (truncated download?)");
            if (!entry.IsStored) throw Unreadable(path,
                $"storage '{storage.Key}' is compressed, which torch.save never does; was the file re-zipped?");
            if (storage.ElementCount < 0 || entry.Size / Width(storage.DType) < storage.ElementCount)
                throw Unreadable(path,
                    $"storage '{storage.Key}' has {entry.Size:N0} bytes, fewer than its {storage.ElementCount:N0} {storage.DType} values " +
                        $"need");
            located[storage.Key] = entry.DataOffset;
        }
        return Locate(tensors, located, path);
    }

    // The pre-1.6 format is a sequence of pickles (magic number, protocol version, system info, the object, the
    // storage keys) followed by each storage's element count and raw values, in the order of the keys.
    private static Dictionary<string, StoredTensor> FromLegacyStream(FileStream stream, string path)
    {
        stream.Position = 0;
        object? magic = Unpickler(stream, path).Load();
        if (magic is not BigInteger number || number != LegacyMagic)
            throw Unreadable(path,
                "it is a pickle but not one torch.save wrote (no PyTorch magic number); a weights file needs to be a state dict saved " +
                    "with torch.save");
        Unpickler(stream, path).Load(); // protocol version
        if (Unpickler(stream, path).Load() is PickleDict systemInfo
            && systemInfo.Pairs.FirstOrDefault(pair => Equals(pair.Key, "little_endian")).Value is false)
            throw Unreadable(path, "it was saved on a big-endian machine; load it there and save it as safetensors");
        var typeOfKey = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = ReadStateDict(stream, path, typeOfKey);
        if (Unpickler(stream, path).Load() is not List<object?> keys || keys.Any(key => key is not string))
            throw Unreadable(path, "the list of storage keys after its pickle is missing");

        var located = new Dictionary<string, long>(StringComparer.Ordinal);
        var lengthBytes = new byte[8];
        foreach (string key in keys.Cast<string>())
        {
            if (stream.Length - stream.Position < 8) throw Unreadable(path, $"the file ends before storage '{key}' (truncated download?)");
            stream.ReadExactly(lengthBytes);
            long count = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
            if (!typeOfKey.TryGetValue(key, out string? dtype)) throw Unreadable(path,
                $"storage '{key}' is saved but its pickle never names it");
            // Compared by division: a crafted count whose byte size overflows would otherwise pass and misplace every storage after it.
            if (count < 0 || count > (stream.Length - stream.Position) / Width(dtype)) throw Unreadable(path,
                $"storage '{key}' runs past the end of the file (truncated download?)");
            long bytes = count * Width(dtype);
            located[key] = stream.Position;
            stream.Position += bytes;
            long needed = tensors.Values.Where(tensor => tensor.Storage.Key == key).Select(tensor => tensor.Storage.FirstElement
                + tensor.Storage.ElementCount).DefaultIfEmpty(0).Max();
            if (needed > count) throw Unreadable(path, $"storage '{key}' holds {count:N0} values but its tensors need {needed:N0}");
        }
        var missing = typeOfKey.Keys.FirstOrDefault(key => !located.ContainsKey(key));
        if (missing is not null) throw Unreadable(path, $"its pickle refers to storage '{missing}', which the file does not hold");
        return Locate(tensors, located, path);
    }

    private static Dictionary<string, StoredTensor> Locate(Dictionary<string, PickledTensor> tensors, Dictionary<string,
        long> storageOffsets, string path)
    {
        var result = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            long count, span;
            try
            {
                count = checked(tensor.Shape.Aggregate(1L, (a, b) => a * b));
                span = count == 0 ? 0 : checked(1 + tensor.Shape.Zip(tensor.Strides, (size, stride) => checked((size - 1) * stride)).Sum());
                _ = checked(tensor.StorageOffset + span + tensor.Storage.FirstElement);
            }
            catch (OverflowException)
            {
                throw Unreadable(path, $"tensor '{name}' has a shape, strides or offset too large to be real (a damaged or crafted file)");
            }
            if (tensor.StorageOffset < 0 || tensor.Strides.Any(stride => stride < 0) || tensor.StorageOffset
                + span > tensor.Storage.ElementCount)
                throw Unreadable(path, $"tensor '{name}' of shape [{string.Join(", ", tensor.Shape)}] reaches past the end of its storage");
            if (!FloatTypes.Contains(tensor.Storage.DType)) continue;
            if (count > Array.MaxLength || span > Array.MaxLength) throw Unreadable(path,
                $"tensor '{name}' has {count:N0} elements, more than one array can hold");
            long offset = storageOffsets[tensor.Storage.Key] + (tensor.Storage.FirstElement
                + tensor.StorageOffset) * Width(tensor.Storage.DType);
            bool contiguous = tensor.Strides.SequenceEqual(StoredTensor.ContiguousStrides(tensor.Shape));
            result[name] = new StoredTensor(path, name, tensor.Shape, tensor.Storage.DType, offset)
            {
                ElementStrides = contiguous ? null
                : tensor.Strides
            };
        }
        return result;
    }

    /// <summary>The object must be a dict of names to tensors, as model.state_dict() is; other values in it are left out.</summary>
    /// <param name="typeOfStorage">filled with the type of every storage the pickle names, tensors of the dict or not</param>
    private static Dictionary<string, PickledTensor> ReadStateDict(Stream pickle, string path, Dictionary<string, string> typeOfStorage)
    {
        object? root = Unpickler(pickle, path, typeOfStorage).Load();
        if (root is not PickleDict dict)
            throw Unreadable(path, $"it holds a {RestrictedUnpickler.Describe(root)}, not a state dict; save model.state_dict()");
        var tensors = new Dictionary<string, PickledTensor>(StringComparer.Ordinal);
        foreach (var (key, value) in dict.Pairs)
            if (key is string name && value is PickledTensor tensor) tensors[name] = tensor;
        if (tensors.Count == 0)
        {
            string keys = string.Join(", ", dict.Pairs.Take(5).Select(pair => $"'{pair.Key}'"));
            throw Unreadable(path,
                $"its dict holds no tensors (keys: {keys}); a training checkpoint keeps the state dict under one of them — save that " +
                    $"alone");
        }
        return tensors;
    }

    private static RestrictedUnpickler Unpickler(Stream stream, string path, Dictionary<string, string>? typeOfStorage = null) =>
        new(stream, path, IsAllowed, (global, arguments) => Call(global, arguments, path), id =>
        {
            PickledStorage storage = Storage(id, path);
            if (typeOfStorage is not null && typeOfStorage.TryGetValue(storage.Key, out string? seen) && seen != storage.DType)
                throw Unreadable(path, $"storage '{storage.Key}' is named as both {seen} and {storage.DType}");
            typeOfStorage?.TryAdd(storage.Key, storage.DType);
            return storage;
        });

    private static bool IsAllowed(PickleGlobal global) => global switch
    {
        ("collections", "OrderedDict") => true,
        ("torch._utils", "_rebuild_tensor" or "_rebuild_tensor_v2" or "_rebuild_parameter" or "_rebuild_parameter_with_state") => true,
        ("torch", var name) => StorageTypes.ContainsKey(name),
        _ => false,
    };

    private static object? Call(PickleGlobal global, object?[] arguments, string path)
    {
        switch (global.Name)
        {
            case "OrderedDict":
                var dict = new PickleDict();
                if (arguments is [List<object?> items])
                    foreach (object? item in items)
                        if (item is object?[] { Length: 2 } pair) dict.Set(pair[0], pair[1]);
                return dict;
            case "_rebuild_tensor" or "_rebuild_tensor_v2" when arguments.Length >= 4:
                if (arguments[0] is not PickledStorage storage || arguments[1] is not long offset
                    || ToLongs(arguments[2]) is not { } shape || ToLongs(arguments[3]) is not { } strides || shape.Length != strides.Length)
                    throw Unreadable(path, $"{global} is called with arguments that do not describe a tensor");
                return new PickledTensor(storage, offset, shape, strides);
            case "_rebuild_parameter" or "_rebuild_parameter_with_state" when arguments.Length >= 1:
                return arguments[0];
            default:
                throw Unreadable(path, $"it calls {global} with {arguments.Length} argument(s), which torch.save does not write");
        }
    }

    // ('storage', storage type, key, location, element count) in the zip format; the stream format adds view
    // metadata (view key, offset, size) when the tensor's storage was a slice of another.
    private static PickledStorage Storage(object? id, string path)
    {
        if (id is not object?[] { Length: >= 5 } fields || fields[0] as string != "storage" || fields[1] is not PickleGlobal type
            || fields[2] is not string key || fields[4] is not long count || !StorageTypes.TryGetValue(type.Name, out string? dtype))
            throw Unreadable(path, "a persistent id in its pickle is not a PyTorch storage");
        if (fields.Length >= 6 && fields[5] is object?[] { Length: 3 } view)
        {
            if (view[1] is not long first || view[2] is not long size || first < 0 || size < 0 || first + size > count)
                throw Unreadable(path, $"a view of storage '{key}' lies outside it");
            return new PickledStorage(key, dtype, size, first);
        }
        return new PickledStorage(key, dtype, count, 0);
    }

    private static long[]? ToLongs(object? value) => value switch
    {
        object?[] tuple when tuple.All(item => item is long) => tuple.Cast<long>().ToArray(),
        List<object?> list when list.All(item => item is long) => list.Cast<long>().ToArray(),
        _ => null,
    };

    private static byte[] ReadEntry(FileStream stream, ZipEntry entry, string path)
    {
        if (!entry.IsStored) throw Unreadable(path, $"'{entry.Name}' is compressed, which torch.save never does; was the file re-zipped?");
        if (entry.Size > 1L << 30) throw Unreadable(path, $"'{entry.Name}' has {entry.Size:N0} bytes, far more than a state dict's pickle");
        var bytes = new byte[entry.Size];
        stream.Position = entry.DataOffset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static int Width(string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        _ => 1,
    };

    private static InvalidDataException Unreadable(string path, string problem) =>
        new($"'{path}' is not a readable PyTorch checkpoint: {problem}.");
}
