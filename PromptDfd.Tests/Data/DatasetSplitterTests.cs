using PromptDfd.Engine.Data;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Data;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class DatasetSplitterTests
{
    private static List<LabeledExample> Chunks(int documents, int chunksPerDocument) =>
        Enumerable.Range(0, documents).SelectMany(d => Enumerable.Range(0, chunksPerDocument)
            .Select(c => new LabeledExample($"document {d} chunk {c}", d % 2 == 0 ? "a" : "b", $"doc{d}"))).ToList();

    [Fact]
    public void NoDocumentStraddlesTwoSplits()
    {
        var splits = DatasetSplitter.Split(Chunks(200, 6), "seed");
        var train = splits.Train.Select(e => e.Group).ToHashSet();
        var dev = splits.Dev.Select(e => e.Group).ToHashSet();
        var test = splits.Test.Select(e => e.Group).ToHashSet();
        Assert.Empty(train.Intersect(dev));
        Assert.Empty(train.Intersect(test));
        Assert.Empty(dev.Intersect(test));
        Assert.Equal(1200, splits.Train.Count + splits.Dev.Count + splits.Test.Count);
    }

    [Fact]
    public void SplitIsFixedBySeedWhateverTheInputOrderAndRoughlyEightyTenTen()
    {
        var examples = Chunks(1000, 1);
        var first = DatasetSplitter.Split(examples, "seed");
        var shuffled = DatasetSplitter.Split(examples.AsEnumerable().Reverse(), "seed");
        Assert.Equal(first.Test.Select(e => e.Text).Order(), shuffled.Test.Select(e => e.Text).Order());
        Assert.InRange(first.Train.Count, 750, 850);
        Assert.InRange(first.Test.Count, 70, 130);
        var otherSeed = DatasetSplitter.Split(examples, "another seed");
        Assert.NotEqual(first.Test.Select(e => e.Text).Order(), otherSeed.Test.Select(e => e.Text).Order());
    }

    [Fact]
    public void CrossValidationFoldsKeepEachDocumentWholeHoldEveryExampleOnceAndIgnoreInputOrder()
    {
        var examples = Chunks(200, 3);
        var folds = DatasetSplitter.Folds(examples, 5, "seed");
        var reversed = DatasetSplitter.Folds(examples.AsEnumerable().Reverse(), 5, "seed");

        Assert.Equal(5, folds.Count);
        Assert.Equal(examples.Select(e => e.Text).Order(), folds.SelectMany(f => f).Select(e => e.Text).Order());
        var foldOfDocument = folds.SelectMany((fold, index) => fold.Select(e => (e.Group, index))).Distinct().ToList();
        Assert.Equal(200, foldOfDocument.Count);
        for (int f = 0; f < 5; f++)
        {
            Assert.Equal(folds[f].Select(e => e.Text).Order(), reversed[f].Select(e => e.Text).Order());
            Assert.InRange(folds[f].Select(e => e.Group).Distinct().Count(), 20, 60);
        }
        Assert.Throws<ArgumentException>(() => DatasetSplitter.Folds(examples, 1, "seed"));
    }
}
