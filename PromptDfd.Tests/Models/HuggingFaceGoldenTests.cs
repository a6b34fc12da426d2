using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.Formats.PyTorch;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Models;

/// <summary>Weights that come from outside must mean what they meant there: our modules match plain-loop references.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public class HuggingFaceGoldenTests
{
    [Fact]
    public void Gpt2CheckpointInHuggingFaceLayoutGivesTheReferenceLogits()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Path);
        var weights = HuggingFaceFixtures.WriteGpt2(folder.Path, vocabulary);
        LoadedLanguageModel loaded = Checkpoint.LoadLanguageModel(folder.Path);

        AssertReferenceGpt2Logits(loaded, weights, vocabulary);
    }

    [Fact]
    public void BertSequenceClassifierInHuggingFaceLayoutGivesTheReferenceLogitsWithPadding()
    {
        using var folder = new TemporaryFolder();
        var weights = HuggingFaceFixtures.WriteBert(folder.Path);
        LoadedClassifier loaded = Checkpoint.LoadClassifier(folder.Path);
        Assert.Equal(["negative", "neutral", "positive"], loaded.Labels);
        var tokenizer = loaded.Tokenizer;
        int[] ids = tokenizer.Encode("The movie was unbelievable!").ToArray();
        Assert.Equal([2, 5, 6, 7, 11, 12, 13, 14, 3], ids); // [CLS] the movie was un ##believ ##able ! [SEP]

        AssertReferenceLogitsWithPadding(loaded, new ReferenceBert(weights, HuggingFaceFixtures.Layers, HuggingFaceFixtures.Heads), ids,
            padding: 0, pads: 2);
    }

    [Fact]
    public void DistilBertSequenceClassifierInHuggingFaceLayoutGivesTheReferenceLogitsWithPadding()
    {
        using var folder = new TemporaryFolder();
        var weights = HuggingFaceFixtures.WriteDistilBert(folder.Path);
        LoadedClassifier loaded = Checkpoint.LoadClassifier(folder.Path);
        Assert.Equal(["negative", "positive"], loaded.Labels);
        int[] ids = loaded.Tokenizer.Encode("The food was terrible!").ToArray();
        Assert.Equal([2, 5, 10, 7, 9, 14, 3], ids);

        AssertReferenceLogitsWithPadding(loaded, ReferenceBert.DistilBert(weights, HuggingFaceFixtures.Layers, HuggingFaceFixtures.Heads),
            ids, padding: 0, pads: 3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RobertaSequenceClassifierInHuggingFaceLayoutGivesTheReferenceLogitsWithPadding(bool xlm)
    {
        using var folder = new TemporaryFolder();
        var weights = HuggingFaceFixtures.WriteRoberta(folder.Path, xlm: xlm);
        LoadedClassifier loaded = Checkpoint.LoadClassifier(folder.Path);
        Assert.Equal(xlm ? EncoderFamily.XlmRoberta : EncoderFamily.Roberta, ((BertClassifier)loaded.Module).Config.Family);
        Assert.Equal(1, loaded.Tokenizer.PaddingId);
        int[] ids = loaded.Tokenizer.Encode("The food was terrible!").ToArray();
        Assert.Equal(0, ids[0]); // <s>
        Assert.Equal(2, ids[^1]); // </s>
        Assert.Equal(HuggingFaceFixtures.Positions, loaded.Classifier.ContextLength);

        AssertReferenceLogitsWithPadding(loaded, ReferenceBert.Roberta(weights, HuggingFaceFixtures.Layers, HuggingFaceFixtures.Heads), ids,
            padding: 1, pads: 2);
    }

    [Fact]
    public void ElectraSequenceClassifierWithNarrowEmbeddingsGivesTheReferenceLogitsWithPadding()
    {
        using var folder = new TemporaryFolder();
        var weights = HuggingFaceFixtures.WriteElectra(folder.Path);
        LoadedClassifier loaded = Checkpoint.LoadClassifier(folder.Path);
        Assert.Equal(HuggingFaceFixtures.Width / 2, ((BertClassifier)loaded.Module).TokenEmbedding.shape[1]);
        int[] ids = loaded.Tokenizer.Encode("The movie was great!").ToArray();
        Assert.Equal([2, 5, 6, 7, 8, 14, 3], ids);

        AssertReferenceLogitsWithPadding(loaded, ReferenceBert.Electra(weights, HuggingFaceFixtures.Layers, HuggingFaceFixtures.Heads), ids,
            padding: 0, pads: 2);
    }

    [Fact]
    public void AlbertSequenceClassifierWithOneSharedLayerGivesTheReferenceLogitsWithPadding()
    {
        using var folder = new TemporaryFolder();
        var weights = HuggingFaceFixtures.WriteAlbert(folder.Path);
        LoadedClassifier loaded = Checkpoint.LoadClassifier(folder.Path);
        var albert = (BertClassifier)loaded.Module;
        Assert.Equal(EncoderFamily.Albert, albert.Config.Family);
        Assert.Single(albert.named_parameters(), p => p.name == "bert.encoder.layer.0.attention.self.query.weight");
        Assert.DoesNotContain(albert.named_parameters(), p => p.name.StartsWith("bert.encoder.layer.1.", StringComparison.Ordinal));
        int[] ids = loaded.Tokenizer.Encode("The food was terrible!").ToArray();
        Assert.Equal([2, 11, 145, 37, 341, 63, 3], ids);

        // Tighter than the other encoders: exact GELU for tanh GELU moves these logits by about 6e-6 (the model is within 1e-7).
        AssertReferenceLogitsWithPadding(loaded, ReferenceBert.Albert(weights, HuggingFaceFixtures.Layers, HuggingFaceFixtures.Heads), ids,
            padding: 0, pads: 2, tolerance: 1e-6);
    }

    [Fact]
    public void BertClassifierSavedByTorchInItsPre16FormatGivesTheReferenceLogits()
    {
        using var folder = new TemporaryFolder();
        HuggingFaceFixtures.WriteBert(folder.Path); // config.json and vocab.txt; the weights are replaced by torch's
        File.Delete(Path.Combine(folder.Path, Checkpoint.WeightsFile));
        File.Copy(PyTorchWeightsFileTests.Fixture("bert-legacy", "pytorch_model.bin"),
            Path.Combine(folder.Path, Checkpoint.PyTorchWeightsFile));
        LoadedClassifier loaded = Checkpoint.LoadClassifier(folder.Path);
        var weights = SafeTensorsFile.Read(PyTorchWeightsFileTests.Fixture("bert-legacy", "reference.safetensors"));
        int[] ids = loaded.Tokenizer.Encode("The movie was unbelievable!").ToArray();

        AssertReferenceLogitsWithPadding(loaded, new ReferenceBert(weights, HuggingFaceFixtures.Layers, HuggingFaceFixtures.Heads), ids,
            padding: 0, pads: 2);
    }

    [Fact]
    public void Gpt2SavedByTorchInShardsGivesTheReferenceLogits()
    {
        using var folder = new TemporaryFolder();
        TinyTokenizer.WriteTo(folder.Path);
        const int vocabulary = 300; // the fixture's embedding rows
        HuggingFaceFixtures.WriteGpt2(folder.Path, vocabulary); // config.json; the weights are replaced by torch's shards
        File.Delete(Path.Combine(folder.Path, Checkpoint.WeightsFile));
        foreach (string file in Directory.GetFiles(PyTorchWeightsFileTests.Fixture("gpt2-sharded"), "pytorch_model*"))
            File.Copy(file, Path.Combine(folder.Path, Path.GetFileName(file)));
        LoadedLanguageModel loaded = Checkpoint.LoadLanguageModel(folder.Path);
        Assert.True(CheckpointWeights.Of(folder.Path).IsSharded);
        var weights = SafeTensorsFile.Read(PyTorchWeightsFileTests.Fixture("gpt2-sharded", "reference.safetensors"));

        AssertReferenceGpt2Logits(loaded, weights, vocabulary);
    }

    /// <summary>The loaded GPT-2's logits for a few tokens against the plain-loop reference's over the same weights.</summary>
    private static void AssertReferenceGpt2Logits(LoadedLanguageModel loaded, IReadOnlyDictionary<string, NamedArray> weights,
        int vocabulary)
    {
        int[] tokens = [5, 17, 260, 3, 99, 42, 7];
        float[][] expected = new ReferenceGpt2(weights, HuggingFaceFixtures.Layers, HuggingFaceFixtures.Heads).Logits(tokens);
        using Tensor actual = loaded.Model.forward(tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length]));

        float[] flat = actual.data<float>().ToArray();
        for (int i = 0; i < tokens.Length; i++)
            for (int v = 0; v < vocabulary; v++)
                Assert.True(Math.Abs(expected[i][v] - flat[i * vocabulary + v]) < 1e-4,
                    $"logit [{i},{v}]: {expected[i][v]} vs {flat[i * vocabulary + v]}");
    }

    /// <summary>The loaded encoder's logits for the ids followed by padding, which must never be attended to, against the plain-loop
    /// reference's.</summary>
    private static void AssertReferenceLogitsWithPadding(LoadedClassifier loaded, ReferenceBert reference, int[] ids, int padding, int pads,
        double tolerance = 1e-4)
    {
        int[] padded = [.. ids, .. Enumerable.Repeat(padding, pads)];
        bool[] mask = padded.Select((_, i) => i < ids.Length).ToArray();

        float[] expected = reference.Logits(padded, mask);
        using Tensor actual = loaded.Classifier.Classify(tensor(padded.Select(t => (long)t).ToArray(), [1, padded.Length]),
            tensor(mask, [1, padded.Length]));

        float[] values = actual.data<float>().ToArray();
        Assert.Equal(loaded.Labels.Count, values.Length);
        for (int c = 0; c < values.Length; c++) Assert.True(Math.Abs(expected[c] - values[c]) < tolerance,
            $"class {c}: {expected[c]} vs {values[c]}");
    }

    [Fact]
    public void AnIndexBufferThatOlderTransformersSavedWithTheWeightsIsSkippedAndOnlyItsSizeIsChecked()
    {
        using var folder = new TemporaryFolder();
        HuggingFaceFixtures.WriteBert(folder.Path);
        using Tensor ids = tensor(new long[] { 2, 5, 6, 7, 3 }, [1, 5]);
        float[] Logits()
        {
            using var noGrad = no_grad(); return Checkpoint.LoadClassifier(folder.Path).Classifier.Classify(ids,
            null).data<float>().ToArray();
        }
        float[] without = Logits();
        string weights = Path.Combine(folder.Path, Checkpoint.WeightsFile);
        long[] positions = [.. Enumerable.Range(0, HuggingFaceFixtures.Positions).Select(i => (long)i)];

        SafeTensorsEditing.AddInt64(weights, "bert.embeddings.position_ids", [1, positions.Length], positions);
        Assert.Equal(without, Logits());

        SafeTensorsEditing.AddInt64(weights, "bert.embeddings.token_type_ids", [1, positions.Length], positions, byteCount: 8);
        var truncated = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadClassifier(folder.Path));
        Assert.Contains("'bert.embeddings.token_type_ids'", truncated.Message);
        Assert.Contains("needs 192 bytes but has 8", truncated.Message);
    }

    [Fact]
    public void OpenAiGpt2TokenizerMatchesKnownIds()
    {
        var tokenizer = PromptDfd.Engine.Text.TokenizerFactory.Gpt2();
        Assert.Equal([15496, 995], tokenizer.Encode("Hello world"));
        Assert.Equal(50257, tokenizer.VocabularySize);
        Assert.Equal("Hello world", tokenizer.Decode([15496, 995]));
    }
}
