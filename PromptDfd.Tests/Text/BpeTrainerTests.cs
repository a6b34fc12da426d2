using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Text;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class BpeTrainerTests
{
    [Theory]
    [InlineData("The movie was wonderful and the actors were great.")]
    [InlineData("Unseen words: zyzzyva, café, naïve, 東京, emoji 🎉 and tabs\tand\nnewlines  double  spaces")]
    [InlineData("<|endoftext|> between texts <|endoftext|>")]
    public void TrainedVocabularyLoadsInMicrosoftTokenizersAndRoundTripsAnyText(string text)
    {
        using var folder = new TemporaryFolder();
        TinyTokenizer.WriteTo(folder.Path);
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(folder.Path);
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void FrequentWordsBecomeSingleTokensAndTrainingIsDeterministic()
    {
        using var folder = new TemporaryFolder();
        BpeVocabulary first = TinyTokenizer.Train(), second = TinyTokenizer.Train();
        Assert.Equal(first.Tokens, second.Tokens);
        Assert.Equal(300, first.Tokens.Count);
        first.Save(folder.Path);
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(folder.Path);
        Assert.Single(tokenizer.Encode(" the"));
        Assert.Equal(tokenizer.EndOfTextId, tokenizer.Encode("<|endoftext|>").Single());
        Assert.Equal(298, tokenizer.EndOfTextId);
        Assert.Equal(299, tokenizer.PaddingId);
    }

    [Fact]
    public void TooSmallVocabularyAndBrokenFilesAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ByteLevelBpeTrainer.Train(["x"], new BpeTrainerConfig { VocabularySize = 100 }));
        Assert.Contains("at least 259", error.Message);

        using var folder = new TemporaryFolder();
        TinyTokenizer.WriteTo(folder.Path);
        File.AppendAllText(folder.File("merges.txt"), "one two three\n");
        var merges = Assert.Throws<InvalidDataException>(() => TokenizerFactory.FromFolder(folder.Path));
        Assert.Contains("merges.txt", merges.Message);

        File.WriteAllText(folder.File("vocab.json"), "[1, 2]");
        var vocabulary = Assert.Throws<InvalidDataException>(() => TokenizerFactory.FromFolder(folder.Path));
        Assert.Contains("vocab.json", vocabulary.Message);
    }
}
