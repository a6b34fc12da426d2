using System.Text.Json.Nodes;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Models;

/// <summary>Checkpoints that transformers wrote in shards read as the same model as one file, and merge into one.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class ShardedCheckpointTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>Splits a folder's model.safetensors into two shards and an index, as save_pretrained does for a large model.</summary>
    private static void Shard(string checkpoint, Func<string, string>? shardOf = null)
    {
        string single = Path.Combine(checkpoint, Checkpoint.WeightsFile);
        var arrays = SafeTensorsFile.Read(single);
        var names = arrays.Keys.Order(StringComparer.Ordinal).ToList();
        string[] shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
        string ShardOf(string name) => names.IndexOf(name) < names.Count / 2 ? shards[0] : shards[1];
        foreach (string shard in shards)
            SafeTensorsFile.Write(Path.Combine(checkpoint, shard), arrays.Values.Where(a => ShardOf(a.Name) == shard));
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = arrays.Values.Sum(a => a.ElementCount * 4) },
            ["weight_map"] = new JsonObject(names.Select(name => KeyValuePair.Create(name, (JsonNode?)(shardOf ?? ShardOf)(name)))),
        };
        File.WriteAllText(Path.Combine(checkpoint, Checkpoint.ShardIndexFile), index.ToJsonString());
        File.Delete(single);
    }

    private static float[] Logits(LoadedClassifier loaded)
    {
        using Tensor ids = tensor(new long[] { 2, 5, 6, 7, 3 }, [1, 5]);
        using var noGrad = no_grad();
        using Tensor logits = loaded.Classifier.Classify(ids, null);
        return logits.data<float>().ToArray();
    }

    [Fact]
    public void AShardedClassifierGivesTheLogitsOfItsSingleFileAndConvertingMergesItIntoOneFile()
    {
        string checkpoint = folder.Folder("bert");
        HuggingFaceFixtures.WriteBert(checkpoint);
        float[] expected = Logits(Checkpoint.LoadClassifier(checkpoint));
        Shard(checkpoint);

        var sharded = Checkpoint.LoadClassifier(checkpoint);

        Assert.Equal(expected, Logits(sharded));
        Assert.Equal(Checkpoint.WeightsSha256(checkpoint), sharded.WeightsSha256);
        Assert.True(CheckpointWeights.Of(checkpoint).IsSharded);

        Checkpoint.ConvertPrecision(checkpoint, half: false);

        Assert.Equal(["config.json", "model.safetensors", "vocab.txt"],
            Directory.GetFiles(checkpoint).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(expected, Logits(Checkpoint.LoadClassifier(checkpoint)));
    }

    [Fact]
    public void ShardsThatDoNotMatchTheirIndexAreRefusedNamingTheShardAndTheTensor()
    {
        string checkpoint = folder.Folder("misplaced");
        HuggingFaceFixtures.WriteBert(checkpoint);
        const string moved = "bert.embeddings.word_embeddings.weight";
        Shard(checkpoint, name => name == moved ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors");

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadClassifier(checkpoint));

        Assert.Contains($"Shard '{Path.Combine(checkpoint, "model-00001-of-00002.safetensors")}' holds tensor '{moved}'", error.Message);
        Assert.Contains("in 'model-00002-of-00002.safetensors'", error.Message);
    }

    [Theory]
    [InlineData("""{"weight_map": {"a": "../elsewhere.safetensors"}}""", "must name a .safetensors file in the same folder")]
    [InlineData("""{"weight_map": {}}""", "has no weight_map")]
    [InlineData("""{"weight_map": """, "is not valid JSON")]
    public void AShardIndexThatCannotBeFollowedIsRefusedSayingWhy(string index, string expected)
    {
        string checkpoint = folder.Folder("bad-index");
        File.WriteAllText(Path.Combine(checkpoint, Checkpoint.ShardIndexFile), index);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointWeights.Of(checkpoint));

        Assert.Contains(expected, error.Message);
        Assert.Contains(Path.Combine(checkpoint, Checkpoint.ShardIndexFile), error.Message);
    }
}
