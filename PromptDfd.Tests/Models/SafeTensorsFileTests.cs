using System.Buffers.Binary;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Tests.Support;
using static PromptDfd.Tests.Support.SafeTensorsEditing;

namespace PromptDfd.Tests.Models;

/// <summary>Weights stored by other tools, in any float dtype and at any size, read as the float32 values they encode.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static byte[] Encode<T>(T[] values, int width, Action<byte[], int, T> write)
    {
        var bytes = new byte[values.Length * width];
        for (int i = 0; i < values.Length; i++) write(bytes, i * width, values[i]);
        return bytes;
    }

    [Fact]
    public void EveryFloatDtypeReadsAsTheFloat32ItEncodes()
    {
        string path = Path.Combine(folder.Path, "mixed.safetensors");
        float[] exact = [1.5f, -2.25f, 0f, 1024f, -0.125f, 3.0e-5f];
        // Larger than one 16 MB read, so the chunk boundaries are crossed.
        float[] large = Enumerable.Range(0, 5_000_000).Select(i => i * 0.25f - 7f).ToArray();
        WriteRaw(path,
            new RawTensor("f32", "F32", [2, 3], Encode(exact, 4, (b, o, v) => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(o), v))),
            new RawTensor("f16", "F16", [6], Encode(exact, 2, (b, o, v) => BinaryPrimitives.WriteHalfLittleEndian(b.AsSpan(o), (Half)v))),
            new RawTensor("bf16", "BF16", [6], Encode(exact, 2, (b, o, v) =>
                BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o), (ushort)(BitConverter.SingleToInt32Bits(v) >>> 16)))),
            new RawTensor("f64", "F64", [3, 2], Encode(exact, 8, (b, o, v) => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(o), v))),
            new RawTensor("position_ids", "I64", [1, 6], new byte[48]),
            new RawTensor("large", "F32", [large.Length], Encode(large, 4, (b, o, v) =>
                BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(o), v))));

        var read = SafeTensorsFile.Read(path);

        Assert.Equal(["bf16", "f16", "f32", "f64", "large"], read.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(exact, read["f32"].Values);
        Assert.Equal(exact.Select(v => (float)(Half)v), read["f16"].Values);
        Assert.Equal(exact.Select(v => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) & unchecked((int)0xFFFF0000))),
            read["bf16"].Values);
        Assert.Equal(exact, read["f64"].Values);
        Assert.Equal([3L, 2L], read["f64"].Shape);
        Assert.Equal("BF16", read["bf16"].StoredType);
        Assert.Equal(large, read["large"].Values);
    }

    [Fact]
    public void AFileLargerThanTwoGigabytesIsReadTensorByTensor()
    {
        // gpt2-large's model.safetensors is 3.1 GB; the weights after the first 2 GB must read like any others.
        string path = Path.Combine(folder.Path, "large.safetensors");
        const long holeElements = 300_000_000; // 2.4 GB of I64, a hole in a sparse file
        float[] tail = [0.5f, -1.75f, 8f, 0.001f];
        WriteRaw(path,
            new RawTensor("big_index_buffer", "I64", [holeElements], HoleBytes: holeElements * 8),
            new RawTensor("tail.weight", "F32", [2, 2], Encode(tail, 4, (b, o, v) =>
                BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(o), v))));
        Assert.True(new FileInfo(path).Length > int.MaxValue);

        var read = SafeTensorsFile.Read(path);

        Assert.Equal(tail, Assert.Single(read).Value.Values);
    }
}
