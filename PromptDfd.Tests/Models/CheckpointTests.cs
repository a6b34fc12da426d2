using System.Text.Json.Nodes;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Models;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class CheckpointTests
{
    /// <summary>The smallest BERT over the fixtures' WordPiece vocabulary.</summary>
    private static readonly BertConfig TinyWordPieceBert = new()
    {
        VocabularySize = HuggingFaceFixtures.BertVocabulary.Length,
        MaxPositions = 16,
        Layers = 1,
        Heads = 2,
        Width = 16,
        IntermediateWidth = 32,
    };

    internal static readonly ModelCard Card = new()
    {
        Title = "test model",
        Summary = "A tiny model.",
        Commands = ["promptdfd train --tiny"],
    };

    [Fact]
    public void LanguageModelSavedAndLoadedGivesIdenticalLogits()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Folder("tokenizer"));
        var model = TinyModels.LanguageModel(vocabulary);
        string target = folder.Folder("model");
        Checkpoint.SaveLanguageModel(target, model, Path.Combine(folder.Path, "tokenizer"), Card);
        var loaded = Checkpoint.LoadLanguageModel(target);
        using Tensor ids = TinyModels.Ids(1, 2, 3, 200, 17);
        using var noGrad = no_grad();
        Assert.True(model.forward(ids).eq(loaded.Model.forward(ids)).all().item<bool>());
        Assert.Contains("model.safetensors", File.ReadAllText(Path.Combine(target, Checkpoint.CardFile)));
        Assert.Equal(64, loaded.WeightsSha256.Length);
        // The file uses Hugging Face GPT-2 names and Conv1D orientation, so transformers can read it too.
        var arrays = SafeTensorsFile.Read(Path.Combine(target, Checkpoint.WeightsFile));
        Assert.Equal([16L, 48L], arrays["transformer.h.0.attn.c_attn.weight"].Shape);
    }

    [Fact]
    public void ASaveThatFailsWhileWritingLeavesThePreviousCheckpointWhole()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Folder("tokenizer"));
        string tokenizer = Path.Combine(folder.Path, "tokenizer"), target = folder.Folder("model");
        Checkpoint.SaveLanguageModel(target, TinyModels.LanguageModel(vocabulary, seed: 1), tokenizer, Card);
        Directory.CreateDirectory(Path.Combine(target, "resume"));
        var before = FolderSnapshot.Of(target);

        // A folder where the new weights must be written makes that write fail, as a full disk or a kill would.
        string blocked = Path.Combine(target, Checkpoint.WeightsFile + ".incoming");
        Directory.CreateDirectory(blocked);
        Assert.ThrowsAny<IOException>(() => Checkpoint.SaveLanguageModel(target, TinyModels.LanguageModel(vocabulary, seed: 2), tokenizer,
            Card));
        Assert.ThrowsAny<IOException>(() => Checkpoint.ConvertPrecision(target, half: true));
        Directory.Delete(blocked);

        before.AssertUnchanged();
        Assert.Equal(64, Checkpoint.LoadLanguageModel(target).WeightsSha256.Length);

        // Once the disk is fine again the save goes through, replaces the weights and leaves no staged file or other content behind.
        Checkpoint.SaveLanguageModel(target, TinyModels.LanguageModel(vocabulary, seed: 2), tokenizer, Card);
        Assert.NotEqual(before[Checkpoint.WeightsFile], File.ReadAllBytes(Path.Combine(target, Checkpoint.WeightsFile)));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(target), entry => entry.EndsWith(".incoming", StringComparison.Ordinal));
        Assert.True(Directory.Exists(Path.Combine(target, "resume")));
    }

    [Fact]
    public void HalfPrecisionCheckpointIsHalfTheSizeAndGivesNearlyTheSameLogits()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Folder("tokenizer"));
        var model = TinyModels.LanguageModel(vocabulary);
        string full = folder.Folder("full"), half = folder.Folder("half");
        Checkpoint.SaveLanguageModel(full, model, Path.Combine(folder.Path, "tokenizer"), Card);
        Checkpoint.SaveLanguageModel(half, model, Path.Combine(folder.Path, "tokenizer"), Card, half: true);
        long fullSize = new FileInfo(Path.Combine(full, Checkpoint.WeightsFile)).Length, halfSize =
            new FileInfo(Path.Combine(half, Checkpoint.WeightsFile)).Length;
        Assert.InRange(halfSize, fullSize * 0.45, fullSize * 0.55);
        using Tensor ids = TinyModels.Ids(1, 2, 3, 200, 17);
        using var noGrad = no_grad();
        Assert.True(model.forward(ids).allclose(Checkpoint.LoadLanguageModel(half).Model.forward(ids), rtol: 1e-2, atol: 1e-2));

        Checkpoint.ConvertPrecision(full, half: true, "promptdfd convert --model full --precision f16");
        Assert.Equal(File.ReadAllBytes(Path.Combine(half, Checkpoint.WeightsFile)),
            File.ReadAllBytes(Path.Combine(full, Checkpoint.WeightsFile)));
        string card = File.ReadAllText(Path.Combine(full, Checkpoint.CardFile));
        Assert.Contains(Checkpoint.LoadLanguageModel(full).WeightsSha256, card);
        // The card still re-creates the stored file: the conversion is its last step.
        Assert.Contains("promptdfd train --tiny\npromptdfd convert --model full --precision f16\n```", card);
        Assert.Contains("A tiny model. The weights are stored as float16", card);
    }

    [Fact]
    public void ConvertingAgainReplacesTheCardsConversionNote()
    {
        string card = Card.ToMarkdown();
        string once = ModelCard.RecordConversion(card, "promptdfd convert --model m --precision f16", half: true);
        string back = ModelCard.RecordConversion(once, "promptdfd convert --model m --precision f32", half: false);
        Assert.Equal(ModelCard.RecordConversion(once, "promptdfd convert --model m --precision f16", half: true), once);
        Assert.DoesNotContain("float16", back);
        Assert.DoesNotContain("--precision f16", back);
        Assert.Contains("--precision f32\n```", back);
        Assert.Contains("The weights are stored as float32.", back);
    }

    [Fact]
    public void ClassifiersOfBothArchitecturesRoundTripWithTheirLabels()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Folder("tokenizer"));
        string[] labels = ["press", "learned", "fiction"];
        manual_seed(3);
        nn.Module[] classifiers =
        [
            new GptClassifier(TinyModels.Gpt(vocabulary), 3),
            new BertClassifier(new BertConfig { VocabularySize = vocabulary, MaxPositions = 32, Layers = 1, Heads = 2, Width = 16,
                IntermediateWidth = 32, PaddingId = 299 }, 3),
        ];
        using Tensor ids = tensor(new long[] { 4, 5, 6, 7, 299, 299 }, [1, 6]);
        using Tensor mask = ids.ne(299);
        foreach (var module in classifiers)
        {
            module.eval();
            string target = folder.Folder(module.GetType().Name);
            Checkpoint.SaveClassifier(target, module, labels, Path.Combine(folder.Path, "tokenizer"), Card);
            var loaded = Checkpoint.LoadClassifier(target);
            Assert.Equal(labels, loaded.Labels);
            using var noGrad = no_grad();
            using Tensor before = ((ITextClassifier)module).Classify(ids, mask);
            using Tensor after = loaded.Classifier.Classify(ids, mask);
            Assert.True(before.eq(after).all().item<bool>(), module.GetType().Name);
        }
    }

    [Theory]
    [InlineData("distilbert", "DistilBertForSequenceClassification")]
    [InlineData("roberta", "RobertaForSequenceClassification")]
    [InlineData("xlm-roberta", "XLMRobertaForSequenceClassification")]
    [InlineData("electra", "ElectraForSequenceClassification")]
    [InlineData("albert", "AlbertForSequenceClassification")]
    public void AnEncoderIsSavedUnderItsFamilysOwnKeysAndConfigSoItReadsBackAsItWas(string modelType, string architecture)
    {
        using var folder = new TemporaryFolder();
        string downloaded = folder.Folder("downloaded"), saved = folder.Folder("saved");
        var arrays = modelType switch
        {
            "roberta" => HuggingFaceFixtures.WriteRoberta(downloaded),
            "xlm-roberta" => HuggingFaceFixtures.WriteRoberta(downloaded, xlm: true),
            "electra" => HuggingFaceFixtures.WriteElectra(downloaded),
            "albert" => HuggingFaceFixtures.WriteAlbert(downloaded),
            _ => HuggingFaceFixtures.WriteDistilBert(downloaded),
        };
        var loaded = Checkpoint.LoadClassifier(downloaded);

        Checkpoint.SaveClassifier(saved, loaded.Module, loaded.Labels, downloaded, Card);

        // Saved under BERT's names, transformers would read either as a BertForSequenceClassification: a DistilBERT with
        // tanh for ReLU and a token-type row missing, a RoBERTa with its positions shifted by two, an ELECTRA without its
        // embedding projection.
        var written = SafeTensorsFile.Read(Path.Combine(saved, Checkpoint.WeightsFile));
        Assert.Equal(arrays.Keys.Order(StringComparer.Ordinal), written.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, array) in arrays) Assert.Equal(array.Values, written[key].Values);
        var config = Checkpoint.ReadConfig(saved);
        Assert.Equal(modelType, config["model_type"]!.GetValue<string>());
        Assert.Equal(architecture, config["architectures"]![0]!.GetValue<string>());
        Assert.Equal(loaded.Config["max_position_embeddings"]!.GetValue<int>(), config["max_position_embeddings"]!.GetValue<int>());
        if (modelType is "electra" or "albert") Assert.Equal(loaded.Config["embedding_size"]!.GetValue<int>(),
            config["embedding_size"]!.GetValue<int>());
        Assert.Equal(TokenizerFactory.Fingerprint(downloaded), TokenizerFactory.Fingerprint(saved));

        var reloaded = Checkpoint.LoadClassifier(saved);
        long[] encoded = [.. loaded.Tokenizer.Encode("the movie was great").Select(id => (long)id)];
        using Tensor ids = tensor(encoded, [1, encoded.Length]);
        using var noGrad = no_grad();
        Assert.True(loaded.Classifier.Classify(ids, null).eq(reloaded.Classifier.Classify(ids, null)).all().item<bool>());
    }

    [Fact]
    public void SavedGptCheckpointsNameTheirPaddingAndEndTokensAsHuggingFaceNeedsForBatches()
    {
        using var folder = new TemporaryFolder();
        string tokenizerFolder = folder.Folder("tokenizer");
        int vocabulary = TinyTokenizer.WriteTo(tokenizerFolder);
        var tokenizer = TokenizerFactory.FromFolder(tokenizerFolder);
        manual_seed(3);

        Checkpoint.SaveClassifier(folder.Folder("student"), new GptClassifier(TinyModels.Gpt(vocabulary), 2), ["a", "b"], tokenizerFolder,
            Card);
        Checkpoint.SaveLanguageModel(folder.Folder("prior"), TinyModels.LanguageModel(vocabulary), tokenizerFolder, Card);

        foreach (string saved in new[] { "student", "prior" })
        {
            var config = Checkpoint.ReadConfig(Path.Combine(folder.Path, saved));
            Assert.Equal(tokenizer.PaddingId, config["pad_token_id"]!.GetValue<int>());
            Assert.Equal(tokenizer.EndOfTextId, config["eos_token_id"]!.GetValue<int>());
            Assert.Equal(tokenizer.EndOfTextId, config["bos_token_id"]!.GetValue<int>());
        }
    }

    [Fact]
    public void ACasedWordPieceClassifierStaysCasedWhenSavedAndLoadedAgain()
    {
        using var folder = new TemporaryFolder();
        string tokenizerFolder = folder.Folder("tokenizer");
        File.WriteAllLines(Path.Combine(tokenizerFolder, TokenizerFactory.WordPieceFile), HuggingFaceFixtures.BertVocabulary);
        File.WriteAllText(Path.Combine(tokenizerFolder, TokenizerFactory.SettingsFile), """{"do_lower_case": false}""");
        manual_seed(3);
        var bert = new BertClassifier(TinyWordPieceBert, 2);

        string saved = folder.Folder("bert");
        Checkpoint.SaveClassifier(saved, bert, ["a", "b"], tokenizerFolder, Card);

        Assert.Equal(TokenizerFactory.FromFolder(tokenizerFolder).Encode("The movie"),
            Checkpoint.LoadClassifier(saved).Tokenizer.Encode("The movie"));
        Assert.Equal(TokenizerFactory.Fingerprint(tokenizerFolder), TokenizerFactory.Fingerprint(saved));
    }

    [Fact]
    public void AModelSavedOverAnotherOfADifferentTokenizerLeavesOnlyItsOwnTokenizerFiles()
    {
        using var folder = new TemporaryFolder();
        string bpe = folder.Folder("bpe"), wordPiece = folder.Folder("wordpiece"), target = folder.Folder("teacher");
        int vocabulary = TinyTokenizer.WriteTo(bpe);
        File.WriteAllLines(Path.Combine(wordPiece, TokenizerFactory.WordPieceFile), HuggingFaceFixtures.BertVocabulary);
        manual_seed(3);
        var gpt = new GptClassifier(TinyModels.Gpt(vocabulary), 2);
        var bert = new BertClassifier(TinyWordPieceBert, 2);

        Checkpoint.SaveClassifier(target, gpt, ["a", "b"], bpe, Card);
        Checkpoint.SaveClassifier(target, bert, ["a", "b"], wordPiece, Card);
        Assert.IsType<BertClassifier>(Checkpoint.LoadClassifier(target).Module);
        Assert.False(File.Exists(Path.Combine(target, TokenizerFactory.VocabularyFile)));

        Checkpoint.SaveClassifier(target, gpt, ["a", "b"], bpe, Card);
        Assert.IsType<GptClassifier>(Checkpoint.LoadClassifier(target).Module);
        Assert.False(File.Exists(Path.Combine(target, TokenizerFactory.WordPieceFile)));
    }

    [Fact]
    public void MeanPoolingAveragesRealTokensOnlyAndSurvivesTheCheckpoint()
    {
        using var folder = new TemporaryFolder();
        int vocabulary = TinyTokenizer.WriteTo(folder.Folder("tokenizer"));
        manual_seed(5);
        var pooled = new GptClassifier(TinyModels.Gpt(vocabulary), 3, ClassifierPooling.Mean);
        pooled.eval();
        using var noGrad = no_grad();
        using Tensor text = TinyModels.Ids(4, 5, 6, 7);
        using Tensor padded = tensor(new long[] { 4, 5, 6, 7, 0, 0 }, [1, 6]);
        using Tensor mask = tensor(new[] { true, true, true, true, false, false }, [1, 6]);
        using Tensor alone = pooled.Classify(text, null);
        Assert.True(alone.allclose(pooled.Classify(padded, mask), rtol: 1e-5, atol: 1e-6),
            "padding must not change a mean-pooled text's logits");

        var lastToken = new GptClassifier(TinyModels.Gpt(vocabulary), 3);
        lastToken.load_state_dict(pooled.state_dict());
        lastToken.eval();
        Assert.False(alone.allclose(lastToken.Classify(text, null)), "mean and last-token pooling are different summaries");

        string target = folder.Folder("mean");
        Checkpoint.SaveClassifier(target, pooled, ["a", "b", "c"], Path.Combine(folder.Path, "tokenizer"), Card);
        var loaded = (GptClassifier)Checkpoint.LoadClassifier(target).Module;
        Assert.Equal(ClassifierPooling.Mean, loaded.Pooling);
        Assert.True(alone.eq(loaded.Classify(text, null)).all().item<bool>());

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(target, Checkpoint.ConfigFile)))!.AsObject();
        config[Checkpoint.OwnSection]!["pooling"] = "max";
        File.WriteAllText(Path.Combine(target, Checkpoint.ConfigFile), config.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadClassifier(target));
        Assert.Contains("'max'; it must be 'last' or 'mean'", error.Message);
    }

}
