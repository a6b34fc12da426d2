using System.Buffers.Binary;
using System.Text;
using CsCheck;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.Formats.PyTorch;
using PromptDfd.Engine.Runs;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Architecture;

/// <summary>
/// Generated garbage fed to the file readers: each either reads the file or refuses it with an InvalidDataException that
/// names the file, never another exception. CsCheck shrinks any failure to its smallest input.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class BadInputPropertyTests : IDisposable
{
    private const int Iterations = 300;
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static Gen<string> Pick(params string[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static readonly Gen<string> JsonScalar = Pick("0", "3", "-1", "2.5", "1e30", "9223372036854775807", "18446744073709551616",
        "null", "true", "\"F32\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"X\"", "[]", "{}", "\"\"");

    private static readonly Gen<string> JsonList = JsonScalar.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]");

    private static readonly Gen<string> TensorEntry =
        Gen.Select(Gen.OneOf(JsonScalar, Gen.Const("\"F32\"")), Gen.OneOf(JsonList, JsonScalar), Gen.OneOf(JsonList, JsonScalar),
            (dtype, shape, offsets) => $"{{\"dtype\":{dtype},\"shape\":{shape},\"data_offsets\":{offsets}}}");

    private static readonly Gen<(string Header, int DataBytes)> SafeTensorsHeader =
        Gen.Select(Gen.OneOf(TensorEntry, JsonScalar).Array[0, 3], Gen.Int[0, 64],
            (entries, data) => ("{" + string.Join(",", entries.Select((e, i) => $"\"t{i}\":{e}")) + "}", data));

    private string WriteSafeTensors(string header, int dataBytes)
    {
        string path = folder.File($"{Guid.NewGuid():N}.safetensors");
        SafeTensorsEditing.WriteWithHeader(path, header, dataBytes);
        return path;
    }

    private static void ReadsOrRefusesNamingTheFile(string path, Action read)
    {
        try { read(); }
        catch (InvalidDataException error) { Assert.Contains(Path.GetFileName(path), error.Message); }
    }

    [Fact]
    public void ASafeTensorsHeaderOfAnyShapeIsReadOrRefusedWithTheFilesName() =>
        SafeTensorsHeader.Sample(h =>
        {
            string path = WriteSafeTensors(h.Header, h.DataBytes);
            ReadsOrRefusesNamingTheFile(path, () => SafeTensorsFile.ReadIndex(path));
        }, iter: Iterations, threads: 1);

    [Fact]
    public void RandomBytesAsWeightsAreRefusedWithTheFilesName() =>
        Gen.Select(Gen.Byte.Array[0, 512], Gen.Bool).Sample(t =>
        {
            var (bytes, asPickle) = t;
            string path = folder.File($"{Guid.NewGuid():N}" + (asPickle ? ".bin" : ".safetensors"));
            File.WriteAllBytes(path, bytes);
            ReadsOrRefusesNamingTheFile(path, () =>
            {
                if (asPickle) PyTorchWeightsFile.ReadIndex(path);
                else SafeTensorsFile.ReadIndex(path);
            });
        }, iter: Iterations, threads: 1);

    private static readonly Gen<string> DatasetLine = Gen.OneOf(
        Gen.String[Gen.Char["\",\n\r\t{}[]:ab 1\\"], 0, 40],
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 0, 8], Gen.String[Gen.Char.AlphaNumeric, 0, 8],
            (text, label) => $"{{\"text\": \"{text}\", \"label\": \"{label}\"}}"),
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 0, 8], Gen.String[Gen.Char.AlphaNumeric, 0, 8], (text, label) => $"\"{text}\",{label}"),
        Pick("text,label", "{\"text\": 5, \"label\": null}", "[1, 2]"));

    [Fact]
    public void ADatasetFileOfAnyLinesIsReadOrRefusedWithTheFilesName() =>
        Gen.Select(DatasetLine.Array[0, 6], Gen.Bool).Sample(t =>
        {
            var (lines, csv) = t;
            string path = folder.File($"{Guid.NewGuid():N}" + (csv ? ".csv" : ".jsonl"));
            File.WriteAllText(path, string.Join("\n", lines));
            ReadsOrRefusesNamingTheFile(path, () => DatasetFileReader.Read(path));
        }, iter: Iterations, threads: 1);

    [Fact]
    public void ARunConfigOfAnyJsonIsReadOrRefusedSayingWhere() =>
        Gen.OneOf(JsonScalar, JsonList, TensorEntry,
                Gen.Select(JsonScalar, JsonScalar, (a, b) => $"{{\"Task\":{a},\"Training\":{{\"Seed\":{b}}}}}"),
                Gen.Select(JsonScalar, s => $"{{\"Student\":{{\"Layers\":{s}}},\"Training\":{{\"Prompter\":{{\"PromptLength\":{s}}}}}}}"))
            .Sample(json =>
            {
                try { RunConfig.FromJson(json, "config file 'x.json'"); }
                catch (InvalidDataException error) { Assert.Contains("x.json", error.Message); }
            }, iter: Iterations, threads: 1);
}
