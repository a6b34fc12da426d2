using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace PromptDfd.Tests.Support;

/// <summary>Adds tensors of dtypes our writer never produces to a safetensors file, as other tools write them.</summary>
public static class SafeTensorsEditing
{
    /// <param name="byteCount">the bytes actually stored; by default what the shape needs</param>
    public static void AddInt64(string path, string name, long[] shape, long[] values, long? byteCount = null)
    {
        byte[] file = File.ReadAllBytes(path);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(file);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, (int)headerLength))!.AsObject();
        long dataStart = 8 + headerLength;
        var existing = header.Where(entry => entry.Key != "__metadata__").Select(entry =>
        {
            long[] offsets = [.. entry.Value!["data_offsets"]!.AsArray().Select(o => o!.GetValue<long>())];
            return new RawTensor(entry.Key, entry.Value["dtype"]!.GetValue<string>(),
                [.. entry.Value["shape"]!.AsArray().Select(d => d!.GetValue<long>())],
                file[(int)(dataStart + offsets[0])..(int)(dataStart + offsets[1])]);
        });
        var added = new byte[byteCount ?? values.Length * 8L];
        for (int i = 0; i < values.Length && (i + 1) * 8 <= added.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(added.AsSpan(i * 8),
            values[i]);
        WriteRaw(path, [.. existing, new RawTensor(name, "I64", shape, added)]);
    }

    /// <summary>A safetensors file with this header text as it stands (well-formed or not) and that many zero data bytes.</summary>
    public static void WriteWithHeader(string path, string header, long dataBytes)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
        stream.Write(new byte[dataBytes]);
    }

    /// <summary>One tensor for <see cref="WriteRaw"/>: its stored bytes, or with only a size, a hole of that many zero bytes.</summary>
    public sealed record RawTensor(string Name, string DType, long[] Shape, byte[]? Bytes = null, long? HoleBytes = null)
    {
        public long Size => Bytes?.LongLength ?? HoleBytes!.Value;
    }

    /// <summary>
    /// Writes a safetensors file as other tools do, in the given order and dtypes. Holes are left sparse (the file system
    /// stores no zeros), so a file can be made larger than 2 GB in no time.
    /// </summary>
    public static void WriteRaw(string path, params RawTensor[] tensors)
    {
        var header = new JsonObject();
        long offset = 0;
        foreach (RawTensor tensor in tensors)
        {
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.DType,
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + tensor.Size),
            };
            offset += tensor.Size;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, headerBytes.Length);
        stream.Write(length);
        stream.Write(headerBytes);
        long dataStart = stream.Position;
        stream.SetLength(dataStart + offset);
        long position = dataStart;
        foreach (RawTensor tensor in tensors)
        {
            if (tensor.Bytes is not null)
            {
                stream.Position = position;
                stream.Write(tensor.Bytes);
            }
            position += tensor.Size;
        }
    }
}
