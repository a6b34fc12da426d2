using System.Buffers.Binary;
using System.Text;
using CsCheck;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.Formats.PyTorch;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Engine.Text;
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

    // Opcodes a state-dict pickle uses, each with plausible or absurd operand bytes, so the generator reaches deep states.
    private static readonly Gen<byte[]> PickleOpcode = Gen.OneOf(
        Gen.Select(Gen.Int[0, 22], Gen.Byte.Array[0, 9], (i, operand) =>
            (byte[])[(byte)"(.0128NJKMGXtla]}dsuqhR"[i], .. operand]),
        Gen.Select(Pick("8a", "8b", "8c", "8d", "85", "86", "87", "88", "89", "93", "94", "95", "81"), Gen.Byte.Array[0, 9],
            (hex, operand) => (byte[])[.. Convert.FromHexString(hex), .. operand]),
        Gen.Select(Pick("I", "L", "g", "p", "c"), Pick("0", "-3", "99999999999999999999", "x", ""), (op, line) =>
            System.Text.Encoding.ASCII.GetBytes($"{op}{line}\n")));

    [Fact]
    public void AnyPickleIsReadOrRefusedWithTheFilesNameNeverAnotherException() =>
        PickleOpcode.Array[0, 24].Sample(ops =>
        {
            byte[] pickle = [0x80, 0x02, .. ops.SelectMany(op => op), (byte)'.'];
            using var stream = new MemoryStream(pickle);
            var unpickler = new RestrictedUnpickler(stream, "generated.pkl", _ => false,
                (global, _) => throw new InvalidDataException($"generated.pkl calls {global}"),
                _ => throw new InvalidDataException("generated.pkl: no storages here"));
            ReadsOrRefusesNamingTheFile("generated.pkl", () => unpickler.Load());
        }, iter: 2000, threads: 1);

    private byte[]? storeBytes;

    /// <summary>A small real run store: two runs with a config, metrics and events, as the dashboard writes them.</summary>
    private byte[] StoreBytes()
    {
        if (storeBytes is not null) return storeBytes;
        string path = folder.File("pristine.db");
        using (var store = new RunStore(path))
        {
            foreach (string id in new[] { "a", "b" })
            {
                store.Insert(new RunRecord
                {
                    Id = id,
                    Name = id,
                    Task = "sentiment",
                    ConfigJson = RunPresets.Create("promptdfd", "sentiment",
                    1).ToJson()
                });
                store.Append(Enumerable.Range(0, 300).Select(i => new MetricPoint
                {
                    RunId = id,
                    Step = i,
                    Name = "student/accuracy",
                    Value = i
                }).ToList(), [], []);
            }
        }
        return storeBytes = File.ReadAllBytes(path);
    }

    [Fact]
    public void ARunStoreWithAnyBytesOverwrittenOpensOrIsRefusedWithItsPathAndAdvice() =>
        Gen.Select(Gen.Double[0, 1], Gen.Byte.Array[1, 64]).Sample(t =>
        {
            byte[] bytes = StoreBytes().ToArray();
            int offset = (int)(t.Item1 * (bytes.Length - t.Item2.Length));
            t.Item2.CopyTo(bytes, offset);
            string path = folder.File($"{Guid.NewGuid():N}.db");
            File.WriteAllBytes(path, bytes);
            ReadsOrRefusesNamingTheFile(path, () =>
            {
                using var store = new RunStore(path);
                store.CheckReadable();
                _ = store.Metrics("a", "student/accuracy");
                _ = store.Events("b");
                _ = store.Samples("b", new SampleQuery());
            });
        }, iter: 200, threads: 1);

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

    private string? checkpoint;

    /// <summary>A tiny GPT-2 checkpoint whose files the properties below then damage one at a time.</summary>
    private string FreshCheckpoint()
    {
        checkpoint ??= WriteTinyCheckpoint(folder.Folder("original"));
        string copy = folder.Folder($"copy-{Guid.NewGuid():N}");
        foreach (string file in Directory.GetFiles(checkpoint)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    private static string WriteTinyCheckpoint(string target)
    {
        string tokenizer = Path.Combine(target, "tokenizer-source");
        Directory.CreateDirectory(tokenizer);
        int vocabulary = TinyTokenizer.WriteTo(tokenizer);
        string model = Path.Combine(target, "model");
        Checkpoint.SaveLanguageModel(model, TinyModels.LanguageModel(vocabulary), tokenizer, new ModelCard { Title = "tiny" });
        return model;
    }

    private static readonly Gen<string> ConfigJson = Gen.OneOf(
        Gen.Select(Pick("n_layer", "n_embd", "n_head", "vocab_size", "n_positions", "model_type", "architectures", "layer_norm_epsilon"),
            Gen.OneOf(JsonScalar, JsonList), (key, value) => $"{key}={value}"),
        Gen.String[Gen.Char["{}[]\":,0a "], 0, 30].Select(text => "raw=" + text));

    [Fact]
    public void ACheckpointConfigOfAnyValueIsLoadedOrRefusedWithTheFilesName() =>
        ConfigJson.Sample(change =>
        {
            string model = FreshCheckpoint();
            string path = Path.Combine(model, Checkpoint.ConfigFile);
            string key = change[..change.IndexOf('=')], value = change[(change.IndexOf('=') + 1)..];
            if (key == "raw") File.WriteAllText(path, value);
            else
            {
                var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
                config[key] = System.Text.Json.Nodes.JsonNode.Parse(value);
                File.WriteAllText(path, config.ToJsonString());
            }
            ReadsOrRefusesNamingTheFile(path, model, () => Checkpoint.LoadLanguageModel(model));
        }, iter: 120, threads: 1);

    private static readonly Gen<string> TokenizerDamage = Gen.OneOf(
        Gen.String[Gen.Char["{}[]\":,0aĠ \n"], 0, 40].Select(text => "vocab.json=" + text),
        Gen.String[Gen.Char["#ab Ġ\n\t"], 0, 40].Select(text => "merges.txt=" + text),
        Pick("vocab.json={}", "vocab.json={\"a\":-1}", "vocab.json={\"a\":1.5}", "vocab.json=[]", "merges.txt=a", "merges.txt=a b c"));

    [Fact]
    public void TokenizerFilesOfAnyContentAreReadOrRefusedWithTheFilesName() =>
        TokenizerDamage.Sample(change =>
        {
            string model = FreshCheckpoint();
            string file = change[..change.IndexOf('=')];
            File.WriteAllText(Path.Combine(model, file), change[(change.IndexOf('=') + 1)..]);
            ReadsOrRefusesNamingTheFile(Path.Combine(model, file), model, () => TokenizerFactory.FromFolder(model).Encode("The movie"));
        }, iter: 150, threads: 1);

    /// <summary>A damaged file may also surface through the file it contradicts (a vocabulary the weights do not match), so
    /// the message must name the damaged file, another file of the same checkpoint, or the checkpoint's folder.</summary>
    private static void ReadsOrRefusesNamingTheFile(string path, string checkpointFolder, Action read)
    {
        try { read(); }
        catch (InvalidDataException error)
        {
            Assert.True(error.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal)
                || error.Message.Contains(checkpointFolder, StringComparison.Ordinal)
                || Directory.GetFiles(checkpointFolder).Any(f => error.Message.Contains(Path.GetFileName(f), StringComparison.Ordinal)),
                $"the message names no file of the checkpoint: {error.Message}");
        }
    }

    private string? store;

    /// <summary>A store with a few runs and metrics, written once; each case damages a copy of it.</summary>
    private string StoreWithRuns()
    {
        if (store is not null) return store;
        store = folder.File("original.db");
        using var original = new Engine.Store.RunStore(store);
        for (int r = 0; r < 3; r++)
        {
            original.Insert(new Engine.Store.RunRecord
            {
                Id = $"run{r}",
                Name = $"run {r}",
                Task = "sentiment",
                Preset = "promptdfd",
                ConfigJson = RunPresets.Create("promptdfd", "sentiment", r).ToJson()
            });
            original.Append(Enumerable.Range(1, 50).Select(step => new Engine.Store.MetricPoint
            { RunId = $"run{r}", Name = "student/accuracy", Step = step, Value = step / 50.0 }).ToList(), [], []);
        }
        return store;
    }

    [Fact]
    public void ARunStoreDamagedAnywhereOpensOrIsRefusedWithItsNameAndAdvice() =>
        Gen.Select(Gen.Int[0, 40], Gen.Int[0, int.MaxValue].Array[1, 8], Gen.Byte.Array[1, 8], (cut, offsets, values) =>
            (cut, offsets, values)).Sample(damage =>
        {
            byte[] bytes = File.ReadAllBytes(StoreWithRuns());
            // Either truncate the file (cut pages away) or overwrite a few bytes anywhere in it.
            if (damage.cut > 0) bytes = bytes[..Math.Max(0, bytes.Length - damage.cut * 1024)];
            else for (int i = 0; i < damage.offsets.Length; i++) bytes[damage.offsets[i] % bytes.Length] = damage.values[i % damage.values.Length];
            string path = folder.File($"{Guid.NewGuid():N}.db");
            File.WriteAllBytes(path, bytes);
            try
            {
                using var damaged = new Engine.Store.RunStore(path);
                damaged.CheckReadable();
            }
            catch (InvalidDataException error)
            {
                Assert.Contains(Path.GetFileName(path), error.Message);
                Assert.Contains("move it aside", error.Message, StringComparison.OrdinalIgnoreCase);
            }
        }, iter: 60, threads: 1);
}
