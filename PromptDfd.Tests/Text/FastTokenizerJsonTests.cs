using System.Text.Json;
using System.Text.Json.Nodes;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Text;

/// <summary>A checkpoint that ships only Hugging Face's tokenizer.json tokenizes exactly as one with the vocabulary files.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class FastTokenizerJsonTests : IDisposable
{
    private static readonly string[] Texts =
    [
        "The movie was unbelievable!", "the food, the movie\tand THE ocean", "Whales swim in the ocean; sailors watch.",
        "café naïve résumé", "  spaces   between\nlines  ", "",
    ];

    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static JsonObject WordPieceJson(bool lowercase) => new()
    {
        ["version"] = "1.0",
        ["normalizer"] = new JsonObject
        {
            ["type"] = "BertNormalizer",
            ["clean_text"] = true,
            ["lowercase"] = lowercase,
            ["strip_accents"] = null
        },
        ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
        ["model"] = new JsonObject
        {
            ["type"] = "WordPiece",
            ["unk_token"] = "[UNK]",
            ["continuing_subword_prefix"] = "##",
            ["vocab"] = new JsonObject(HuggingFaceFixtures.BertVocabulary.Select((token, id) => KeyValuePair.Create(token, (JsonNode?)id))),
        },
    };

    private static JsonObject ByteLevelBpeJson(string tokenizerFolder, bool mergesAsPairs)
    {
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(tokenizerFolder,
            TokenizerFactory.VocabularyFile)))!;
        var merges = File.ReadAllLines(Path.Combine(tokenizerFolder, TokenizerFactory.MergesFile)).Where(l => l.Length > 0
            && !l.StartsWith("#version"))
            .Select(line => mergesAsPairs ? (JsonNode)new JsonArray(line.Split(' ')[0], line.Split(' ')[1]) : JsonValue.Create(line));
        return new JsonObject
        {
            ["version"] = "1.0",
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["vocab"] = new JsonObject(vocabulary.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))),
                ["merges"] = new JsonArray([.. merges]),
            },
        };
    }

    private string Write(string name, JsonObject json, string? settings = null)
    {
        string target = folder.Folder(name);
        File.WriteAllText(Path.Combine(target, TokenizerFactory.FastTokenizerFile), json.ToJsonString());
        if (settings is not null) File.WriteAllText(Path.Combine(target, TokenizerFactory.SettingsFile), settings);
        return target;
    }

    private static void AssertSameIds(ITextTokenizer expected, ITextTokenizer actual)
    {
        Assert.Equal(expected.VocabularySize, actual.VocabularySize);
        Assert.Equal((expected.EndOfTextId, expected.PaddingId), (actual.EndOfTextId, actual.PaddingId));
        foreach (string text in Texts) Assert.Equal(expected.Encode(text), actual.Encode(text));
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, null)]
    [InlineData(true, """{"do_lower_case": false}""")]
    public void AWordPieceTokenizerJsonGivesTheIdsOfItsVocabTxtWithTheSameCleaning(bool normalizerLowercases, string? settings)
    {
        string fromJson = Write("json", WordPieceJson(normalizerLowercases), settings);
        string fromVocab = folder.Folder("vocab");
        File.WriteAllLines(Path.Combine(fromVocab, TokenizerFactory.WordPieceFile), HuggingFaceFixtures.BertVocabulary);
        // tokenizer_config.json overrides the normalizer, as transformers' BertTokenizerFast does.
        bool lowercase = settings is null ? normalizerLowercases : false;
        if (!lowercase) File.WriteAllText(Path.Combine(fromVocab, TokenizerFactory.SettingsFile), """{"do_lower_case": false}""");

        ITextTokenizer expected = TokenizerFactory.FromFolder(fromVocab), actual = TokenizerFactory.FromFolder(fromJson);

        AssertSameIds(expected, actual);
        Assert.Equal([2, 5, 6, 7, 11, 12, 13, 14, 3], TokenizerFactory.FromFolder(Write("uncased",
            WordPieceJson(true))).Encode("The movie was unbelievable!"));
        Assert.Equal(lowercase, expected.Encode("The")[1] == 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AByteLevelBpeTokenizerJsonGivesTheIdsOfItsVocabAndMergesInEitherMergeFormat(bool mergesAsPairs)
    {
        string files = folder.Folder("files");
        TinyTokenizer.WriteTo(files);
        string fromJson = Write("json", ByteLevelBpeJson(files, mergesAsPairs));

        AssertSameIds(TokenizerFactory.FromFolder(files), TokenizerFactory.FromFolder(fromJson));
        Assert.NotEqual(TokenizerFactory.Fingerprint(files), TokenizerFactory.Fingerprint(fromJson));
    }

    [Fact]
    public void AClassifierWithOnlyATokenizerJsonLoadsAndIsSavedWithIt()
    {
        string downloaded = folder.Folder("downloaded"), saved = folder.Folder("saved");
        HuggingFaceFixtures.WriteBert(downloaded);
        File.Delete(Path.Combine(downloaded, TokenizerFactory.WordPieceFile));
        File.WriteAllText(Path.Combine(downloaded, TokenizerFactory.FastTokenizerFile), WordPieceJson(lowercase: true).ToJsonString());
        var loaded = Checkpoint.LoadClassifier(downloaded);
        Assert.Equal([2, 5, 6, 7, 11, 12, 13, 14, 3], loaded.Tokenizer.Encode("The movie was unbelievable!"));

        Checkpoint.SaveClassifier(saved, loaded.Module, loaded.Labels, downloaded, new ModelCard { Title = "re-saved" });

        Assert.True(File.Exists(Path.Combine(saved, TokenizerFactory.FastTokenizerFile)));
        Assert.Equal(TokenizerFactory.Fingerprint(downloaded), TokenizerFactory.Fingerprint(saved));
        var reloaded = Checkpoint.LoadClassifier(saved);
        using Tensor ids = tensor(new long[] { 2, 5, 6, 7, 3 }, [1, 5]);
        using var noGrad = no_grad();
        Assert.True(loaded.Classifier.Classify(ids, null).eq(reloaded.Classifier.Classify(ids, null)).all().item<bool>());
    }

    [Theory]
    [InlineData("""{"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}""", "'Unigram' model; only WordPiece")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Metaspace"}}""",
        "without byte-level pre-tokenization")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b", "ab"]}, "pre_tokenizer": {"type": "ByteLevel"}}""",
        "merge 2 is \"ab\"")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 2}}}""", "'[UNK]' has 2")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {"[PAD]": "zero"}}}""", "must map a token to an integer id")]
    [InlineData("""{"version": "1.0"}""", "has no \"model\" object")]
    [InlineData("""{"model": """, "is not valid JSON")]
    public void ATokenizerJsonThatCannotBeReadIsRefusedSayingWhatIsWrong(string json, string expected)
    {
        string target = folder.Folder("bad");
        File.WriteAllText(Path.Combine(target, TokenizerFactory.FastTokenizerFile), json);

        var error = Assert.Throws<InvalidDataException>(() => TokenizerFactory.FromFolder(target));

        Assert.Contains(expected, error.Message);
        Assert.Contains(Path.Combine(target, TokenizerFactory.FastTokenizerFile), error.Message);
    }
}
