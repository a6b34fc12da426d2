using System.Buffers.Binary;
using System.Text;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Models;

/// <summary>A safetensors header of the wrong shape is refused with the file and the key, never read wrongly or crashed on.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class SafeTensorsHeaderTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string Write(string header, long dataBytes)
    {
        string path = folder.File($"{Guid.NewGuid():N}.safetensors");
        SafeTensorsEditing.WriteWithHeader(path, header, dataBytes);
        return path;
    }

    [Theory]
    [InlineData("""{"w": {"dtype": "F32", "shape": [null, 3], "data_offsets": [0, 24]}}""",
        "shape must hold non-negative integers (found nothing at index 0)")]
    [InlineData("""{"w": {"dtype": "F32", "shape": "2x3", "data_offsets": [0, 24]}}""", "has no shape list (found \"2x3\")")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2, 3.5], "data_offsets": [0, 24]}}""",
        "shape must hold non-negative integers (found 3.5 at index 1)")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [-2, -3], "data_offsets": [0, 24]}}""",
        "shape must hold non-negative integers (found -2 at index 0)")]
    [InlineData("""{"w": {"dtype": 5, "shape": [2, 3], "data_offsets": [0, 24]}}""", "dtype must be a string such as \"F32\" (found 5)")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, "24"]}}""", "data_offsets must hold non-negative integers")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2, 3]}}""", "has no data_offsets list (found nothing)")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 24]}}""", "too large to hold")]
    public void AHeaderValueOfTheWrongTypeIsRefusedNamingTheFileTensorAndKey(string header, string expected)
    {
        string path = Write(header, 48);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadIndex(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("tensor 'w'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TensorsThatShareBytesAreRefused()
    {
        string path = Write("""
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
             "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}
            """, 24);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.ReadIndex(path));
        Assert.Contains("tensors 'a' and 'b' overlap", error.Message);
    }

    [Fact]
    public void AWellFormedHeaderStillReads()
    {
        string path = Write("""
            {"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
             "b": {"dtype": "F16", "shape": [4], "data_offsets": [16, 24]}, "empty": {"dtype": "F32", "shape": [0], "data_offsets": [24, 24]}}
            """, 24);
        var tensors = SafeTensorsFile.ReadIndex(path);
        Assert.Equal(["a", "b", "empty"], tensors.Keys.Order());
        Assert.Equal([2L, 2], tensors["a"].Shape);
    }
}
