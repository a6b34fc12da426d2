using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Models;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class WeightsComparisonTests
{
    private static readonly float OneHalfStepAboveOne = (float)BitConverter.Int16BitsToHalf((short)(BitConverter.HalfToInt16Bits((Half)1f)
        + 1));

    [Fact]
    public void Float16WeightsThatDifferOnlyByRoundingAreCountedAsOneStepApart()
    {
        using var folder = new TemporaryFolder();
        string first = Write(folder, "first", half: true, [1f, 0.5f, 2f, 3f], [1f, 1f]);
        string second = Write(folder, "second", half: true, [OneHalfStepAboveOne, 0.75f, 2f, 3f], [1f, 1f]);

        var comparison = WeightsComparison.Of(first, second);

        Assert.Equal(6, comparison.Values);
        Assert.Equal(2, comparison.Differing);
        Assert.Equal(1, comparison.OneStep);
        Assert.Equal(0.25, comparison.LargestDifference!.Largest, 6);
        Assert.Equal("a", comparison.LargestDifference.Name);
        Assert.Equal(0, comparison.Tensors.Single(t => t.Name == "b").Differing);
        Assert.Contains("2 of 6 values in 2 tensors differ (33.33 %), 1 of them by one float16 step; largest difference 0.25 (in a)",
            comparison.ToString());
    }

    [Fact]
    public void NeighboursAcrossZeroAreStepsApartOnTheNumberLine()
    {
        using var folder = new TemporaryFolder();
        float tiniest = (float)BitConverter.Int16BitsToHalf(1);
        string first = Write(folder, "first", half: true, [tiniest, 0f, -tiniest, -tiniest], [0f, 0f]);
        string second = Write(folder, "second", half: true, [-tiniest, tiniest, 0f, 2 * tiniest], [0f, 0f]);

        var comparison = WeightsComparison.Of(first, second);

        // On float16's number line: ±tiniest are 2 apart, 0 and ±tiniest 1, -tiniest and 2·tiniest 3.
        Assert.Equal(4, comparison.Differing);
        Assert.Equal(2, comparison.OneStep);
    }

    [Fact]
    public void Float32WeightsAreMeasuredInFloat32Steps()
    {
        using var folder = new TemporaryFolder();
        string first = Write(folder, "first", half: false, [1f, 1f, 1f, 1f], [1f, 1f]);
        string second = Write(folder, "second", half: false, [MathF.BitIncrement(1f), 1f, 1f, 1f],
            [1f, MathF.BitIncrement(MathF.BitIncrement(1f))]);

        var comparison = WeightsComparison.Of(first, second);

        Assert.Equal(2, comparison.Differing);
        Assert.Equal(1, comparison.OneStep);
        Assert.Contains("by one float32 step", comparison.ToString());
    }

    [Fact]
    public void IdenticalCheckpointsSayAllValuesAreIdentical()
    {
        using var folder = new TemporaryFolder();
        string first = Write(folder, "first", half: true, [1f, 2f, 3f, 4f], [5f, 6f]);
        string second = Write(folder, "second", half: true, [1f, 2f, 3f, 4f], [5f, 6f]);

        var comparison = WeightsComparison.Of(first, second);

        Assert.Equal(0, comparison.Differing);
        Assert.Null(comparison.LargestDifference);
        Assert.Equal("all 6 values in 2 tensors are identical", comparison.ToString());
    }

    [Fact]
    public void CheckpointsOfDifferentArchitecturesAreRefusedNamingTheTensor()
    {
        using var folder = new TemporaryFolder();
        string first = Write(folder, "first", half: true, [1f, 2f, 3f, 4f], [5f, 6f]);
        string extra = folder.Folder("extra");
        SafeTensorsFile.Write(Path.Combine(extra, Checkpoint.WeightsFile),
            [new NamedArray("a", [2, 2], [1f, 2f, 3f, 4f]), new NamedArray("b", [2], [5f, 6f]),
                new NamedArray("score.weight", [2], [0f, 0f])], half: true);
        string reshaped = folder.Folder("reshaped");
        SafeTensorsFile.Write(Path.Combine(reshaped, Checkpoint.WeightsFile),
            [new NamedArray("a", [4, 1], [1f, 2f, 3f, 4f]), new NamedArray("b", [2], [5f, 6f])], half: true);

        var missing = Assert.Throws<InvalidDataException>(() => WeightsComparison.Of(first, extra));
        Assert.Contains("only in the first: none; only in the second: score.weight", missing.Message);
        Assert.Contains("same architecture", missing.Message);

        var shape = Assert.Throws<InvalidDataException>(() => WeightsComparison.Of(first, reshaped));
        Assert.Contains("Tensor 'a' is [2, 2] in", shape.Message);
        Assert.Contains("but [4, 1] in", shape.Message);
    }

    [Fact]
    public async Task TheCommandRefusesCheckpointsOfDifferentArchitecturesWithExitCodeOne()
    {
        using var folder = new TemporaryFolder();
        string first = Write(folder, "first", half: true, [1f, 2f, 3f, 4f], [5f, 6f]);
        string other = folder.Folder("other");
        SafeTensorsFile.Write(Path.Combine(other, Checkpoint.WeightsFile), [new NamedArray("a", [2, 2], [1f, 2f, 3f, 4f])], half: true);

        var (exitCode, error) = await CommandLine.RunAsync(folder.Path, "compare-weights", "--model", first, "--against", other);

        Assert.Equal(1, exitCode);
        Assert.Contains("only in the first: b", error);
    }

    [Fact]
    public void AFolderWithoutReadableWeightsIsNamedWithTheFilesItNeeds()
    {
        using var folder = new TemporaryFolder();
        string first = Write(folder, "first", half: true, [1f, 2f, 3f, 4f], [5f, 6f]);
        string empty = folder.Folder("empty");

        var error = Assert.Throws<FileNotFoundException>(() => WeightsComparison.Of(first, empty));
        Assert.Contains($"'{empty}' has no weights: neither model.safetensors nor pytorch_model.bin", error.Message);

        string notTorch = folder.Folder("not-torch");
        File.WriteAllText(Path.Combine(notTorch, "pytorch_model.bin"), "not a checkpoint");
        var unreadable = Assert.Throws<InvalidDataException>(() => WeightsComparison.Of(first, notTorch));
        Assert.Contains("pytorch_model.bin' is not a readable PyTorch checkpoint: it is neither a zip archive nor a pickle",
            unreadable.Message);

        string sharded = folder.Folder("sharded");
        File.WriteAllText(Path.Combine(sharded, Checkpoint.ShardIndexFile),
            """{"weight_map": {"a": "model-00001-of-00002.safetensors"}}""");
        var shards = Assert.Throws<FileNotFoundException>(() => WeightsComparison.Of(first, sharded));
        Assert.Contains("lists the shard 'model-00001-of-00002.safetensors', which is not in", shards.Message);
    }

    /// <summary>A checkpoint folder with tensor a [2, 2] and tensor b [2].</summary>
    private static string Write(TemporaryFolder folder, string name, bool half, float[] a, float[] b)
    {
        string path = folder.Folder(name);
        SafeTensorsFile.Write(Path.Combine(path, Checkpoint.WeightsFile), [new NamedArray("a", [2, 2], a), new NamedArray("b", [2], b)],
            half: half);
        return path;
    }
}
