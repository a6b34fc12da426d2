using System.Text.Json.Nodes;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Models;

/// <summary>Checkpoints this loader cannot run, or whose files disagree, are refused with the key, file or shape at fault.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public class CheckpointRefusalTests
{
    [Theory]
    [InlineData("""{"0": "a", "2": "b"}""", "'2' is not one of those indices")]
    [InlineData("""{"0": "a", "one": "b"}""", "'one' is not one of those indices")]
    [InlineData("""{"0": "a", "1": 3}""", "id2label[\"1\"] must be a class name")]
    public void AHandEditedId2LabelThatDoesNotNameEveryClassInOrderIsRefusedWithTheKey(string id2label, string expected)
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Folder("tokenizer"));
        manual_seed(3);
        string target = folder.Folder("teacher");
        Checkpoint.SaveClassifier(target, new GptClassifier(TinyModels.Gpt(vocabulary), 2), ["a", "b"],
            Path.Combine(folder.Path, "tokenizer"), CheckpointTests.Card);
        var config = Checkpoint.ReadConfig(target);
        config["id2label"] = JsonNode.Parse(id2label);
        File.WriteAllText(Path.Combine(target, Checkpoint.ConfigFile), config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadClassifier(target));

        Assert.Contains(expected, error.Message);
        Assert.Contains(Path.Combine(target, Checkpoint.ConfigFile), error.Message);
    }

    [Fact]
    public void AnAlbertWithMoreThanOneLayerGroupIsRefused()
    {
        using var folder = new TemporaryFolder();
        HuggingFaceFixtures.WriteAlbert(folder.Path);
        var config = Checkpoint.ReadConfig(folder.Path);
        config["num_hidden_groups"] = 2;
        File.WriteAllText(Path.Combine(folder.Path, Checkpoint.ConfigFile), config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadClassifier(folder.Path));

        Assert.Contains("num_hidden_groups = 2; only ALBERT's one shared layer", error.Message);
    }

    [Theory]
    [InlineData("scale_attn_weights", "false", "scale_attn_weights = false")]
    [InlineData("scale_attn_by_inverse_layer_idx", "true", "scale_attn_by_inverse_layer_idx = true")]
    [InlineData("activation_function", "\"relu\"", "activation 'relu'")]
    [InlineData("n_inner", "48", "n_inner = 48")]
    public void AGpt2ConfigThatWouldComputeSomethingElseIsRefusedNamingTheKey(string key, string json, string expected)
    {
        using var folder = new TemporaryFolder();
        HuggingFaceFixtures.WriteGpt2(folder.Path, TinyTokenizer.WriteTo(folder.Path));
        var config = Checkpoint.ReadConfig(folder.Path);
        config[key] = JsonNode.Parse(json);
        File.WriteAllText(Path.Combine(folder.Path, Checkpoint.ConfigFile), config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadLanguageModel(folder.Path));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("model_type", "deberta",
        "model_type 'deberta'; classifiers must be in one of these layouts: 'gpt2', 'albert', 'bert', 'deberta-v2', 'distilbert', " +
            "'electra', 'roberta', 'xlm-roberta'")]
    [InlineData("position_embedding_type", "relative_key", "position_embedding_type 'relative_key'; only absolute position embeddings")]
    [InlineData("hidden_act", "relu", "hidden_act 'relu'; only BERT's exact GELU")]
    public void AnEncoderConfigThisLoaderCannotRunIsRefusedSayingWhatItReads(string key, string value, string expected)
    {
        using var folder = new TemporaryFolder();
        HuggingFaceFixtures.WriteBert(folder.Path);
        var config = Checkpoint.ReadConfig(folder.Path);
        config[key] = value;
        File.WriteAllText(Path.Combine(folder.Path, Checkpoint.ConfigFile), config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadClassifier(folder.Path));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TruncatedWeightsFileIsReportedAsCorruptWithItsName()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Path);
        HuggingFaceFixtures.WriteGpt2(folder.Path, vocabulary);
        string weights = Path.Combine(folder.Path, Checkpoint.WeightsFile);
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadLanguageModel(folder.Path));
        Assert.Contains(weights, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void GarbageHeaderIsReportedAsCorrupt()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("model.safetensors");
        File.WriteAllBytes(path, [16, 0, 0, 0, 0, 0, 0, 0, .. "{not json at all"u8.ToArray()]);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path));
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void ConfigThatDisagreesWithTheWeightsNamesKeyAndBothShapes()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Path);
        HuggingFaceFixtures.WriteGpt2(folder.Path, vocabulary);
        string configPath = Path.Combine(folder.Path, Checkpoint.ConfigFile);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["n_positions"] = 64;
        File.WriteAllText(configPath, config.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadLanguageModel(folder.Path));
        Assert.Contains("'wpe.weight' has shape [24, 16]", error.Message);
        Assert.Contains("[64, 16]", error.Message);
    }

    [Fact]
    public void MissingAndUnexpectedTensorsAreNamed()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Path);
        var arrays = HuggingFaceFixtures.WriteGpt2(folder.Path, vocabulary);
        string weights = Path.Combine(folder.Path, Checkpoint.WeightsFile);

        SafeTensorsFile.Write(weights, arrays.Values.Where(a => a.Name != "h.1.mlp.c_fc.bias"));
        var missing = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadLanguageModel(folder.Path));
        Assert.Contains("transformer.h.1.mlp.c_fc.bias", missing.Message);

        SafeTensorsFile.Write(weights, arrays.Values.Append(new NamedArray("h.0.attn.rotary.weight", [2], [1, 2])));
        var unexpected = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadLanguageModel(folder.Path));
        Assert.Contains("h.0.attn.rotary.weight", unexpected.Message);
    }

    [Fact]
    public void AMissingEncoderTensorIsNamedAsItsFileWouldNameIt()
    {
        using var folder = new TemporaryFolder();
        var arrays = HuggingFaceFixtures.WriteDistilBert(folder.Path);
        arrays.Remove("distilbert.transformer.layer.1.ffn.lin2.weight");
        SafeTensorsFile.Write(Path.Combine(folder.Path, Checkpoint.WeightsFile), arrays.Values);

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadClassifier(folder.Path));

        Assert.Contains("lacks 1 tensor(s) the model needs, e.g. 'distilbert.transformer.layer.1.ffn.lin2.weight'", error.Message);
    }

    [Fact]
    public void TokenizerLargerThanTheModelVocabularyIsAMismatch()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Path);
        HuggingFaceFixtures.WriteGpt2(folder.Path, vocabulary - 10);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadLanguageModel(folder.Path));
        Assert.Contains($"tokenizer has {vocabulary} tokens", error.Message);
    }

    [Fact]
    public void NonGptConfigAndMissingFilesGetClearErrors()
    {
        using var folder = new TemporaryFolder();
        Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.LoadLanguageModel(folder.File("nowhere")));
        var noConfig = Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadLanguageModel(folder.Path));
        Assert.Contains("config.json", noConfig.Message);
        File.WriteAllText(folder.File("config.json"), """{"model_type": "llama"}""");
        var wrongType = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadLanguageModel(folder.Path));
        Assert.Contains("'llama'", wrongType.Message);
    }
}
