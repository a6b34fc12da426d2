using System.Text.Json.Nodes;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Models;

/// <summary>
/// DeBERTa-v2/v3 against Microsoft's own implementation: the fixture's logits were computed by it (see
/// tools/deberta-oracle), on texts long enough to reach the logarithmic position buckets.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public class DebertaTests
{
    private static string Fixture(params string[] parts) => DebertaFixture.Path(parts);

    private sealed record Case(string Text, int[] Ids, int Pads, float[] Logits);

    private static IReadOnlyList<Case> Cases() =>
        JsonNode.Parse(File.ReadAllText(Fixture("expected.json")))!.AsArray().Select(node => new Case(
            node!["text"]!.GetValue<string>(),
            node["ids"]!.AsArray().Select(id => id!.GetValue<int>()).ToArray(),
            node["pads"]!.GetValue<int>(),
            node["logits"]!.AsArray().Select(value => (float)value!.GetValue<double>()).ToArray())).ToList();

    [Fact]
    public void ADebertaV3ClassifierGivesTheLogitsOfMicrosoftsImplementationWithAndWithoutPadding()
    {
        LoadedClassifier loaded = Checkpoint.LoadClassifier(Fixture());
        var deberta = Assert.IsType<BertClassifier>(loaded.Module);
        Assert.Equal(EncoderFamily.DebertaV2, deberta.Config.Family);
        Assert.Equal(["negative", "positive"], loaded.Labels);
        Assert.Equal(64, loaded.Classifier.ContextLength);

        foreach (Case c in Cases())
        {
            Assert.Equal(c.Ids, loaded.Tokenizer.Encode(c.Text));
            int[] padded = [.. c.Ids, .. Enumerable.Repeat(loaded.Tokenizer.PaddingId, c.Pads)];
            using var _ = no_grad();
            using Tensor logits = loaded.Classifier.Classify(tensor(padded.Select(id => (long)id).ToArray(), [1, padded.Length]), null);
            float[] actual = logits.data<float>().ToArray();
            for (int k = 0; k < actual.Length; k++)
                Assert.True(Math.Abs(c.Logits[k] - actual[k]) < 1e-4,
                    $"'{c.Text}' with {c.Pads} pads, class {k}: {c.Logits[k]} expected, {actual[k]} computed");
        }
    }

    [Fact]
    public void TextsOfDifferentLengthsInOneBatchGiveTheirOwnLogits()
    {
        LoadedClassifier loaded = Checkpoint.LoadClassifier(Fixture());
        var cases = Cases().Where(c => c.Pads == 0).ToList();
        int time = cases.Max(c => c.Ids.Length);
        long[] ids = [.. cases.SelectMany(c => c.Ids.Select(id => (long)id).Concat(Enumerable.Repeat((long)loaded.Tokenizer.PaddingId,
            time - c.Ids.Length)))];

        using var _ = no_grad();
        using Tensor logits = loaded.Classifier.Classify(tensor(ids, [cases.Count, time]), null);

        float[] actual = logits.data<float>().ToArray();
        for (int row = 0; row < cases.Count; row++)
            for (int k = 0; k < 2; k++)
                Assert.True(Math.Abs(cases[row].Logits[k] - actual[row * 2 + k]) < 1e-4, $"row {row}, class {k}");
    }

    [Fact]
    public void ItsTokenizerReadsSpmModelAsDebertaV2TokenizerDoes()
    {
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(Fixture());
        Assert.IsType<DebertaSentencePieceTokenizer>(tokenizer);
        Assert.Equal(0, tokenizer.PaddingId);
        Assert.Equal([1], tokenizer.Opening); // [CLS]
        Assert.Equal([2], tokenizer.Closing); // [SEP]
        Assert.Equal(401, tokenizer.VocabularySize); // 400 pieces, then [MASK]
        // Characters the model never saw: one [UNK] (id 3) per run, as sentencepiece gives.
        int[] ids = [.. tokenizer.Encode("food \u4e2d\u6587 was")];
        Assert.Single(ids, 3);
        Assert.Equal("The food was terrible!", tokenizer.Decode(Cases()[0].Ids));
    }

    [Theory]
    [InlineData("share_att_key", "false", "share_att_key = false")]
    [InlineData("conv_kernel_size", "3", "conv_kernel_size = 3")]
    [InlineData("relative_attention", "false", "relative_attention = false")]
    [InlineData("embedding_size", "8", "embedding_size = 8")]
    [InlineData("pos_att_type", "\"p2p|c2p\"", "pos_att_type = 'p2p'")]
    public void VariantsThisNetworkCannotComputeAreRefusedByName(string key, string value, string message)
    {
        using var folder = new TemporaryFolder();
        DebertaFixture.CopyTo(folder.Path);
        var config = Checkpoint.ReadConfig(folder.Path);
        config[key] = JsonNode.Parse(value);
        File.WriteAllText(Path.Combine(folder.Path, Checkpoint.ConfigFile), config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadClassifier(folder.Path));

        Assert.Contains(message, error.Message);
        Assert.Contains("is supported for DeBERTa", error.Message);
    }

    [Fact]
    public void ASavedDebertaClassifierKeepsItsOwnNamesAndSettingsAndGivesTheSameLogits()
    {
        using var folder = new TemporaryFolder();
        LoadedClassifier loaded = Checkpoint.LoadClassifier(Fixture());
        string saved = Path.Combine(folder.Path, "saved");
        Checkpoint.SaveClassifier(saved, loaded.Module, loaded.Labels, Fixture(), new ModelCard { Title = "saved DeBERTa" });

        var keys = SafeTensorsFile.Read(Path.Combine(saved, Checkpoint.WeightsFile)).Keys.ToList();
        Assert.Contains("deberta.encoder.rel_embeddings.weight", keys);
        Assert.Contains("deberta.encoder.layer.1.attention.self.query_proj.weight", keys);
        Assert.Contains("pooler.dense.weight", keys);
        Assert.DoesNotContain(keys, key => key.Contains("position_embeddings", StringComparison.Ordinal));
        var config = Checkpoint.ReadConfig(saved);
        Assert.Equal("deberta-v2", config["model_type"]!.GetValue<string>());
        Assert.Equal(4, config["position_buckets"]!.GetValue<int>());
        Assert.False(config["position_biased_input"]!.GetValue<bool>());

        LoadedClassifier reloaded = Checkpoint.LoadClassifier(saved);
        int[] ids = Cases()[2].Ids;
        using var _ = no_grad();
        using Tensor input = tensor(ids.Select(id => (long)id).ToArray(), [1, ids.Length]);
        Assert.Equal(loaded.Classifier.Classify(input, null).data<float>().ToArray(),
            reloaded.Classifier.Classify(input, null).data<float>().ToArray());
    }
}
