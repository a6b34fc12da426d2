using System.IO.Compression;
using System.Text;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.Formats.PyTorch;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Models;

/// <summary>torch.save files (pytorch_model.bin) read as the values PyTorch saved, with nothing in them run.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public class PyTorchWeightsFileTests
{
    public static string Fixture(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", "pytorch", .. parts]);

    [Theory]
    [InlineData("tensors-zip.bin")]
    [InlineData("tensors-legacy.bin")]
    public void EveryWayATensorIsLaidOutReadsAsTheValuesPyTorchSaved(string file)
    {
        var stored = PyTorchWeightsFile.ReadIndex(Fixture(file));
        var expected = SafeTensorsFile.Read(Fixture("tensors.safetensors"));

        Assert.Equal(expected.Keys.Order(), stored.Keys.Order()); // the integer position_ids buffer is left out of both
        foreach (var (name, reference) in expected)
        {
            NamedArray actual = stored[name].Read();
            Assert.Equal(reference.Shape, actual.Shape);
            Assert.Equal(reference.StoredType, actual.StoredType);
            Assert.True(reference.Values.SequenceEqual(actual.Values), $"'{name}' differs from the values PyTorch saved");
        }
        // The views really are views: the reader had to follow their strides and offsets.
        Assert.NotNull(stored["transposed"].ElementStrides);
        Assert.NotNull(stored["every_other_column"].ElementStrides);
        Assert.Null(stored["rows_2_to_5"].ElementStrides);
        Assert.Equal(stored["tied_a"].Offset, stored["tied_b"].Offset);
    }

    [Fact]
    public void CompareWeightsReadsATorchSaveFileGivenByItsPath()
    {
        var comparison = WeightsComparison.Of(Fixture("tensors-legacy.bin"), Fixture("tensors.safetensors"));
        Assert.Equal(0, comparison.Differing);
        Assert.True(comparison.Values > 0);
    }

    [Fact]
    public void ACheckpointFolderWithOnlyPytorchModelBinIsReadAndSafetensorsWinsWhenBothArePresent()
    {
        using var folder = new TemporaryFolder();
        File.Copy(Fixture("bert-legacy", "pytorch_model.bin"), Path.Combine(folder.Path, Checkpoint.PyTorchWeightsFile));
        var weights = CheckpointWeights.Of(folder.Path);
        Assert.True(weights.IsPyTorch);
        Assert.Contains("bert.encoder.layer.1.output.LayerNorm.gamma", weights.Index().Keys);

        File.Copy(Fixture("bert-legacy", "reference.safetensors"), Path.Combine(folder.Path, Checkpoint.WeightsFile));
        Assert.Equal(Path.Combine(folder.Path, Checkpoint.WeightsFile), CheckpointWeights.Of(folder.Path).Source);
    }

    [Fact]
    public void ConvertWritesThePytorchWeightsAsSafetensorsWithIdenticalValues()
    {
        using var folder = new TemporaryFolder();
        HuggingFaceFixtures.WriteBert(folder.Path);
        File.Delete(Path.Combine(folder.Path, Checkpoint.WeightsFile));
        File.Copy(Fixture("bert-legacy", "pytorch_model.bin"), Path.Combine(folder.Path, Checkpoint.PyTorchWeightsFile));

        Checkpoint.ConvertPrecision(folder.Path, half: false);

        var converted = CheckpointWeights.Of(folder.Path);
        Assert.False(converted.IsPyTorch);
        var reference = SafeTensorsFile.Read(Fixture("bert-legacy", "reference.safetensors"));
        var values = converted.Read();
        Assert.Equal(reference.Keys.Order(), values.Keys.Order());
        Assert.All(reference, pair => Assert.Equal(pair.Value.Values, values[pair.Key].Values));
        Assert.True(File.Exists(Path.Combine(folder.Path, Checkpoint.PyTorchWeightsFile)), "the original file is kept");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APickleThatAsksToRunAFunctionIsRefusedNamingIt(bool zip)
    {
        using var folder = new TemporaryFolder();
        // GLOBAL posix.system, ("touch pwned",), REDUCE: what a malicious pytorch_model.bin holds.
        byte[] pickle = [0x80, 0x02, .. Encoding.ASCII.GetBytes("cposix\nsystem\nX"), 0x0b, 0, 0, 0,
            .. Encoding.ASCII.GetBytes("touch pwned"), 0x85, (byte)'R', (byte)'.'];
        string path = Path.Combine(folder.Path, "pytorch_model.bin");
        if (zip) WriteArchive(path, ("archive/data.pkl", pickle));
        else File.WriteAllBytes(path, pickle);

        var error = Assert.Throws<InvalidDataException>(() => PyTorchWeightsFile.ReadIndex(path));

        Assert.Contains($"'{path}' asks to run posix.system when it is loaded", error.Message);
        Assert.Contains("torch.save(model.state_dict(), path)", error.Message);
    }

    [Fact]
    public void ATrainingCheckpointIsRefusedNamingTheKeysToLookUnder()
    {
        var error = Assert.Throws<InvalidDataException>(() => PyTorchWeightsFile.ReadIndex(Fixture("training-checkpoint.bin")));
        Assert.Contains("its dict holds no tensors (keys: 'epoch', 'model')", error.Message);
    }

    [Theory]
    [InlineData("tensors-zip.bin", 3, "it has no zip end record (truncated download?)")]
    [InlineData("tensors-legacy.bin", 3, "the pickle ends before its STOP opcode (truncated file?)")]
    [InlineData("tensors-legacy.bin", 0, "runs past the end of the file (truncated download?)")]
    public void ATruncatedFileIsReportedAsTruncated(string file, int quartersKept, string problem)
    {
        using var folder = new TemporaryFolder();
        string path = Path.Combine(folder.Path, "pytorch_model.bin");
        byte[] whole = File.ReadAllBytes(Fixture(file));
        // Zero quarters: all but the last few bytes, which cuts the last storage short.
        File.WriteAllBytes(path, whole[..(quartersKept == 0 ? whole.Length - 5 : whole.Length * quartersKept / 4)]);

        var error = Assert.Throws<InvalidDataException>(() => PyTorchWeightsFile.ReadIndex(path));

        Assert.Contains($"'{path}' is not a readable PyTorch checkpoint", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void AStorageSizeCraftedToOverflowIsRefusedNotReadFromTheWrongPlace()
    {
        using var folder = new TemporaryFolder();
        string crafted = folder.File("crafted.bin");
        byte[] bytes = File.ReadAllBytes(Fixture("tensors-legacy.bin"));
        // In the old format each storage's element count stands in the 8 bytes before its values. Adding 2^62 to a
        // float32 storage's count leaves count * 4 unchanged modulo 2^64, so a multiplication that overflows accepts it.
        long first = PyTorchWeightsFile.ReadIndex(Fixture("tensors-legacy.bin")).Values.Where(t => t.StoredType == "F32").Min(t =>
            t.Offset);
        long count = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)first - 8));
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan((int)first - 8), count + (1L << 62));
        File.WriteAllBytes(crafted, bytes);

        var error = Assert.Throws<InvalidDataException>(() => PyTorchWeightsFile.ReadIndex(crafted));
        Assert.Contains("runs past the end of the file", error.Message);
    }

    [Fact]
    public void AnArchiveRezippedWithCompressionIsRefusedSayingSo()
    {
        using var folder = new TemporaryFolder();
        string path = Path.Combine(folder.Path, "pytorch_model.bin");
        using (var original = ZipFile.OpenRead(Fixture("tensors-zip.bin")))
        {
            var entries = original.Entries.Select(entry =>
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return (entry.FullName, copy.ToArray());
            }).ToArray();
            WriteArchive(path, CompressionLevel.Optimal, entries);
        }

        var error = Assert.Throws<InvalidDataException>(() => PyTorchWeightsFile.ReadIndex(path));

        Assert.Contains("is compressed, which torch.save never does; was the file re-zipped?", error.Message);
    }

    private static void WriteArchive(string path, params (string Name, byte[] Bytes)[] entries) =>
        WriteArchive(path, CompressionLevel.NoCompression, entries);

    private static void WriteArchive(string path, CompressionLevel level, params (string Name, byte[] Bytes)[] entries)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var stream = archive.CreateEntry(name, level).Open();
            stream.Write(bytes);
        }
    }
}
