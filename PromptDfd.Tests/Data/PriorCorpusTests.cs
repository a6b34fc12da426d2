using PromptDfd.Engine.Data;
using PromptDfd.Engine.Data.Preparation;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Data;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class PriorCorpusTests
{
    [Fact]
    public void SentencesEqualToTaskTextsAreRemovedIgnoringCaseAndSpacing()
    {
        var documents = new[]
        {
            new PriorDocument("news", "The economy grew. This movie was  GREAT! Prices fell."),
            new PriorDocument("news", "this movie was great!"),
            new PriorDocument("book", "Call me Ishmael. Some years ago I went to sea."),
        };
        var (kept, statistics) = PriorCorpus.Build(documents, ["This movie was great!"]);
        Assert.Equal(["The economy grew. Prices fell.", "Call me Ishmael. Some years ago I went to sea."], kept.Select(d => d.Text));
        Assert.Equal(2, statistics.SentencesRemovedAsTaskDuplicates);
        Assert.DoesNotContain(kept, d => d.Text.Contains("movie", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void RepeatedDocumentsAreKeptOnceAndWordsAreCountedPerSource()
    {
        var documents = new[] { new PriorDocument("a", "One two three."), new PriorDocument("b", "one  two three."),
            new PriorDocument("b", "Four five.") };
        var (kept, statistics) = PriorCorpus.Build(documents, []);
        Assert.Equal(2, kept.Count);
        Assert.Equal(1, statistics.DuplicateDocuments);
        Assert.Equal(3, statistics.WordsBySource["a"]);
        Assert.Equal(2, statistics.WordsBySource["b"]);
    }

    [Fact]
    public void OffensiveWordFilterMatchesWholeWordsOnly()
    {
        Assert.True(OffensiveWords.Contains("What the fuck is this"));
        Assert.False(OffensiveWords.Contains("Scunthorpe, Dickens and spicy Dickensian grapes"));
    }
}
