using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Text;

/// <summary>ALBERT's tokenizer prepares text as transformers' AlbertTokenizer does before its SentencePiece model reads it.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class AlbertTokenizerTests : IDisposable
{
    public static string TinyModel => Path.Combine(AppContext.BaseDirectory, "Fixtures", "sentencepiece", "albert-tiny.model");

    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    private ITextTokenizer Tokenizer(string? settings = null)
    {
        File.Copy(TinyModel, Path.Combine(folder.Path, TokenizerFactory.AlbertSentencePieceFile), overwrite: true);
        if (settings is not null) File.WriteAllText(Path.Combine(folder.Path, TokenizerFactory.SettingsFile), settings);
        return TokenizerFactory.FromFolder(folder.Path);
    }

    // The ids are transformers' AlbertTokenizer algorithm run over sentencepiece 0.1.97 (Python) with the fixture model,
    // which like ALBERT's has no sentence markers (bos_id and eos_id -1): `` and '' become ", accents go, whitespace runs
    // collapse, and "▁1," is read as "▁1" and ",".
    [Theory]
    [InlineData("The food was terrible!", null, new[] { 11, 145, 37, 341, 63 })]
    [InlineData("``Café au lait,'' she said", null, new[] { 240, 38, 21, 70, 13, 16, 30, 180, 86, 12, 241, 135, 13, 121, 17, 19 })]
    [InlineData("  It cost 1,000,000 dollars, 9, 10,  ", null, new[] { 18, 55, 29, 12, 57, 12, 57, 58, 12, 7, 327, 12, 29, 153, 12 })]
    [InlineData("Naïve ÉCOLE résumé", null, new[] { 7, 27, 21, 17, 67, 151, 38, 15, 66, 94, 8, 30, 111 })]
    [InlineData("日本語 ok", null, new[] { 7, 1, 7, 15, 48 })]
    [InlineData("", null, new int[0])]
    [InlineData("Naïve ÉCOLE résumé", """{"do_lower_case": false, "keep_accents": true}""",
        new[] { 7, 1, 21, 1, 67, 7, 1, 7, 34, 392, 8, 30, 24, 392 })]
    [InlineData("The food was terrible!", """{"do_lower_case": false, "keep_accents": true}""", new[] { 7, 1, 73, 13, 145, 37, 341, 63 })]
    public void TextsGetTheIdsTransformersGivesThemBetweenClsAndSep(string text, string? settings, int[] expected)
    {
        ITextTokenizer tokenizer = Tokenizer(settings);

        Assert.Equal([2, .. expected, 3], tokenizer.Encode(text));
        Assert.Equal((3, 0), (tokenizer.EndOfTextId, tokenizer.PaddingId));
        Assert.Equal(400, tokenizer.VocabularySize);
    }

    [Fact]
    public void TheSettingsFileIsPartOfTheTokenizersFingerprint()
    {
        ITextTokenizer uncased = Tokenizer();
        string uncasedFingerprint = TokenizerFactory.Fingerprint(folder.Path);
        Tokenizer("""{"do_lower_case": false}""");

        Assert.NotEqual(uncasedFingerprint, TokenizerFactory.Fingerprint(folder.Path));
        Assert.Equal("the food was terrible!", uncased.Decode(uncased.Encode("The food was terrible!")));
    }
}
