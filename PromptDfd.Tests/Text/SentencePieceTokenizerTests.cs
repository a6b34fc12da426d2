using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Text;

/// <summary>XLM-RoBERTa's tokenizer gives sentencepiece's own pieces, numbered as transformers numbers them.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class SentencePieceTokenizerTests : IDisposable
{
    public static string TinyModel => Path.Combine(AppContext.BaseDirectory, "Fixtures", "sentencepiece", "tiny-unigram.model");

    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    private ITextTokenizer Tokenizer()
    {
        File.Copy(TinyModel, Path.Combine(folder.Path, TokenizerFactory.SentencePieceFile), overwrite: true);
        return TokenizerFactory.FromFolder(folder.Path);
    }

    // The ids are sentencepiece 0.1.97's (Python binding) for the fixture model: NFKC folds the full-width letters,
    // the Roman numeral and the ligature, whitespace runs collapse, and a run of unknown characters is one <unk>.
    [Theory]
    [InlineData("The food was terrible!", new[] { 38, 144, 31, 374, 55 })]
    [InlineData("I loved this movie", new[] { 13, 214, 17, 46, 93 })]
    [InlineData("ｆｕｌｌ\u3000ｗｉｄｔｈ Ⅻ ﬁ", new[] { 3, 235, 40, 57, 12, 17, 68, 3, 389, 203, 203, 37, 12 })]
    [InlineData("  extra   spaces\tand\ttabs  ", new[] { 216, 5, 74, 45, 19, 15, 79, 4, 16, 80, 15, 41, 4 })]
    [InlineData("日本語 and <|unk|>", new[] { 3, 0, 16, 3, 0, 146, 48, 0 })]
    [InlineData("", new int[0])]
    public void TextsGetSentencePiecesIdsShiftedPastFairseqsSpecialsBetweenStartAndEnd(string text, int[] sentencePieceIds)
    {
        ITextTokenizer tokenizer = Tokenizer();

        // <s> 0, <pad> 1, </s> 2, <unk> 3; piece p becomes p + 1, sentencepiece's <unk> (0) becomes 3.
        int[] expected = [0, .. sentencePieceIds.Select(id => id == 0 ? 3 : id + 1), 2];
        Assert.Equal(expected, tokenizer.Encode(text));
    }

    [Fact]
    public void TheVocabularyEndsWithMaskAndDecodingDropsTheSpecials()
    {
        ITextTokenizer tokenizer = Tokenizer();

        Assert.Equal(400 + 2, tokenizer.VocabularySize);
        Assert.Equal((2, 1), (tokenizer.EndOfTextId, tokenizer.PaddingId));
        Assert.Equal("The food was terrible!", tokenizer.Decode([.. tokenizer.Encode("The food was terrible!"), 1, 1]));
        Assert.StartsWith("SentencePiece (402)", tokenizer.Description);
    }

    [Fact]
    public void AFileThatIsNotASentencePieceModelIsRefusedByName()
    {
        string path = Path.Combine(folder.Path, TokenizerFactory.SentencePieceFile);
        File.WriteAllText(path, "version https://git-lfs.github.com/spec/v1\noid sha256:0000\nsize 5069051\n");

        var error = Assert.Throws<InvalidDataException>(() => TokenizerFactory.FromFolder(folder.Path));

        Assert.Contains($"'{path}' is not a SentencePiece model", error.Message);
    }
}
