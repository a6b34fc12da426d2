using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Data;

/// <summary>The committed tasks load, validate and keep their documents whole.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public class ShippedTasksTests
{
    public static string RepositoryFile(params string[] parts)
    {
        string? root = PromptDfd.Engine.Infrastructure.RepositoryRoot.Find();
        if (root is not null) return Path.Combine([root, .. parts]);
        throw new DirectoryNotFoundException("PromptDfd.sln not found above the test output.");
    }

    [Theory]
    [InlineData("sentiment", 2)]
    [InlineData("genre", 4)]
    [InlineData("ontology", 14)]
    public void ShippedTaskLoadsWithAllClassesInEverySplit(string name, int classes)
    {
        TaskDataset task = TaskDataset.Load(RepositoryFile("data", "tasks", name));
        Assert.Equal(classes, task.Labels.Count);
        foreach (var (_, examples) in task.Named())
            Assert.Equal(classes, examples.Select(e => e.Label).Distinct().Count());
    }

    [Fact]
    public void GenreTaskNeverSplitsABrownDocument()
    {
        TaskDataset task = TaskDataset.Load(RepositoryFile("data", "tasks", "genre"));
        var owner = new Dictionary<string, string>();
        foreach (var (split, examples) in task.Named())
            foreach (var example in examples)
                Assert.Equal(split, owner.TryAdd(example.Group!, split) ? split : owner[example.Group!]);
        Assert.True(owner.Count > 400);
    }

    [Fact]
    public void NoTextAppearsInTwoSplits()
    {
        foreach (string name in new[] { "sentiment", "genre", "ontology" })
        {
            TaskDataset task = TaskDataset.Load(RepositoryFile("data", "tasks", name));
            var train = task.Splits.Train.Select(e => TextCleaning.DeduplicationKey(e.Text)).ToHashSet();
            Assert.DoesNotContain(task.Splits.Test, e => train.Contains(TextCleaning.DeduplicationKey(e.Text)));
        }
    }
}
