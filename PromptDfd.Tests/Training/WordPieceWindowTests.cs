using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Training;

/// <summary>BERT-family classifiers read every window of a long text between [CLS] and [SEP], as they were trained to.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class WordPieceWindowTests : IDisposable
{
    private const int Classification = 2, Separator = 3;
    private readonly TemporaryFolder folder = new();

    private ITextTokenizer Tokenizer(string? settings = null)
    {
        File.WriteAllLines(Path.Combine(folder.Path, "vocab.txt"), HuggingFaceFixtures.BertVocabulary);
        if (settings is not null) File.WriteAllText(Path.Combine(folder.Path, TokenizerFactory.SettingsFile), settings);
        return TokenizerFactory.FromFolder(folder.Path);
    }

    [Fact]
    public void EveryWindowOfALongTextOpensWithClsAndClosesWithSepAndTogetherTheyCoverItsWords()
    {
        ITextTokenizer tokenizer = Tokenizer();
        var batcher = new TextBatcher(tokenizer, 8);
        string text = string.Join(' ', Enumerable.Repeat("the movie was great", 5));
        var whole = tokenizer.Encode(text);
        Assert.Equal(22, whole.Count);

        var windows = batcher.EncodeWindows(text);

        Assert.Equal(4, windows.Count);
        Assert.All(windows, w =>
        {
            Assert.Equal(8, w.Count);
            Assert.Equal(Classification, w[0]);
            Assert.Equal(Separator, w[^1]);
        });
        var words = whole.Skip(1).SkipLast(1).ToList();
        Assert.Equal(words, windows.Take(3).SelectMany(w => w.Skip(1).SkipLast(1)).Concat(windows[3].Skip(1 + 18 - 14).SkipLast(1)));
        Assert.Equal([Classification, .. words.Take(6), Separator], batcher.Encode(text));
        Assert.Equal(whole, Assert.Single(new TextBatcher(tokenizer, 64).EncodeWindows(text)));
    }

    [Fact]
    public void ACasedCheckpointKeepsCapitalsAndAnUncasedOneLowerCasesThem()
    {
        int the = Array.IndexOf(HuggingFaceFixtures.BertVocabulary, "the"), unknown =
            Array.IndexOf(HuggingFaceFixtures.BertVocabulary, "[UNK]");
        Assert.Equal([Classification, the, Separator], Tokenizer().Encode("The"));
        string uncased = TokenizerFactory.Fingerprint(folder.Path);

        Assert.Equal([Classification, unknown, Separator], Tokenizer("""{"do_lower_case": false}""").Encode("The"));
        Assert.NotEqual(uncased, TokenizerFactory.Fingerprint(folder.Path));
        Assert.Equal([Classification, the, Separator], Tokenizer("""{"do_lower_case": true, "model_max_length": 512}""").Encode("The"));
    }

    [Fact]
    public void LineBreaksAndTabsSeparateWordsAndControlCharactersVanishAsInHuggingFacesBertTokenizer()
    {
        ITextTokenizer tokenizer = Tokenizer();
        int[] words = [.. "the movie was great".Split(' ').Select(w => Array.IndexOf(HuggingFaceFixtures.BertVocabulary, w))];

        Assert.Equal([Classification, .. words, Separator], tokenizer.Encode("the\nmovie\twas\r\ngreat"));
        Assert.Equal([Classification, .. words, Separator], tokenizer.Encode("the\u00a0movie was\u200b great\u0000"));
    }

    [Fact]
    public void AnUncasedCheckpointStripsAccentsUnlessItsSettingsSayOtherwise()
    {
        int the = Array.IndexOf(HuggingFaceFixtures.BertVocabulary, "the"), movie =
            Array.IndexOf(HuggingFaceFixtures.BertVocabulary, "movie");
        int unknown = Array.IndexOf(HuggingFaceFixtures.BertVocabulary, "[UNK]");
        Assert.Equal([Classification, the, movie, Separator], Tokenizer().Encode("Thé mövie"));
        string stripping = TokenizerFactory.Fingerprint(folder.Path);

        Assert.Equal([Classification, unknown, unknown, Separator],
            Tokenizer("""{"do_lower_case": true, "strip_accents": false}""").Encode("Thé mövie"));
        Assert.NotEqual(stripping, TokenizerFactory.Fingerprint(folder.Path));
        Assert.Equal([Classification, the, movie, Separator],
            Tokenizer("""{"do_lower_case": false, "strip_accents": true}""").Encode("thé mövie"));
        Assert.Equal([Classification, the, movie, Separator],
            Tokenizer("""{"do_lower_case": true, "strip_accents": null}""").Encode("Thé mövie"));
        Assert.Equal(stripping, TokenizerFactory.Fingerprint(folder.Path));
    }

    [Fact]
    public void ABadCasingSettingNamesTheFileAndTheValue()
    {
        var error = Assert.Throws<InvalidDataException>(() => Tokenizer("""{"do_lower_case": "yes"}"""));
        Assert.Contains(TokenizerFactory.SettingsFile, error.Message);
        Assert.Contains("\"yes\"", error.Message);
        Assert.Throws<InvalidDataException>(() => Tokenizer("{not json"));
    }

    public void Dispose() => folder.Dispose();
}
