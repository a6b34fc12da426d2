using PromptDfd.Engine.Data;
using PromptDfd.Engine.Data.Preparation;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Data;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class BrownGenresTests
{
    [Fact]
    public void TaggedTokensAreDetokenisedIntoPlainText()
    {
        const string tagged =
            "\tThe/at jury/nn said/vbd ``/`` it/pps did/dod n't/* know/vb ''/'' ,/, and/cc the/at City's/np$ (/( old/jj )/) plan/nn " +
                "failed/vbd ./.";
        Assert.Equal("The jury said \"it didn't know\", and the City's (old) plan failed.", BrownGenres.Detokenize(tagged));
    }

    [Fact]
    public void ParagraphsAreGroupedIntoChunksOfAtLeastSixtyWords()
    {
        string paragraph = string.Join(' ', Enumerable.Range(0, 25).Select(i => $"word{i}/nn")) + " ./.";
        string document = string.Join("\n\n", Enumerable.Repeat("\t" + paragraph, 7));
        var chunks = BrownGenres.Chunks(document).ToList();
        Assert.Equal(2, chunks.Count); // 75 + 75 words; the last 25-word paragraph is under half the minimum and dropped
        Assert.All(chunks, c => Assert.True(TextCleaning.WordCount(c) >= BrownGenres.MinimumWords));
    }

    [Fact]
    public void ReadsCategoriesFromAPackageLaidOutLikeCorpusBrown()
    {
        using var folder = new TemporaryFolder();
        string root = folder.Folder("package");
        string words = string.Join(' ', Enumerable.Range(0, 70).Select(i => $"w{i}/nn"));
        File.WriteAllText(Path.Combine(root, "cats.txt"), "ca01 news\ncn01 adventure\n");
        File.WriteAllText(Path.Combine(root, "ca01"), "\n\n\t" + words + "\n\n");
        File.WriteAllText(Path.Combine(root, "cn01"), "\n\n\t" + words + "\n\n");
        var examples = BrownGenres.Read(folder.Path);
        Assert.Equal([("press", "ca01"), ("fiction", "cn01")], examples.Select(e => (e.Label, e.Group!)));
    }
}
