using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cli;

/// <summary>The bring-your-own-data commands as a user types them, each in a throwaway repository.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class OwnDataCommandTests : IDisposable
{
    private readonly TemporaryFolder repository = new();

    public OwnDataCommandTests()
    {
        File.WriteAllText(Path.Combine(repository.Path, RepositoryRoot.Marker), "");
        Directory.CreateDirectory(Path.Combine(repository.Path, "data", "tasks", "sentiment"));
    }

    [Fact]
    public async Task RegisterNeedsANameRefusesAShippedOneAndWritesIntoTheWorkspace()
    {
        string file = Write("train.csv", 0);

        var (noName, noNameError) = await CommandLine.RunAsync(repository.Path, "register", "--file", file);
        Assert.Equal(2, noName);
        Assert.Contains("--name is required", noNameError);

        var (shipped, shippedError) = await CommandLine.RunAsync(repository.Path, "register", "--file", file, "--name", "sentiment");
        Assert.Equal(2, shipped);
        Assert.Contains("'sentiment' is a shipped task", shippedError);

        var (registered, error) = await CommandLine.RunAsync(repository.Path, "register", "--file", file, "--name", "reviews",
            "--test-fraction", "0.2");
        Assert.True(registered == 0, error);
        string task = Path.Combine(repository.Path, "workspace", "tasks", "reviews");
        Assert.Equal(60, File.ReadLines(Path.Combine(task, "test.jsonl")).Count());
        Assert.Equal(["sentiment"], Directory.GetDirectories(Path.Combine(repository.Path, "data", "tasks")).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("ｒｅｖｉｅｗｓ")] // full-width letters: accepted here once, then refused by run
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("my reviews")]
    public async Task ANameThatCannotBeATasksIsRefusedAsSuchNotAsShippedOrExisting(string name)
    {
        string file = Write("train.csv", 0);

        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "register", "--file", file, "--name", name);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Task name '{name}' must be 1 to 64 of the ASCII letters", error);
        Assert.DoesNotContain("shipped", error);
        Assert.DoesNotContain("already exists", error);
        Assert.False(Directory.Exists(Path.Combine(repository.Path, "workspace", "tasks")) &&
            Directory.EnumerateFileSystemEntries(Path.Combine(repository.Path, "workspace", "tasks")).Any());
    }

    [Fact]
    public async Task AnExperimentOnADatasetNeverReusesATaskOfTheSameNameMadeFromOtherData()
    {
        string first = Write("first.csv", 0), second = Write("second.csv", 1000);
        var (registered, error) = await CommandLine.RunAsync(repository.Path, "register", "--file", first, "--name", "reviews");
        Assert.True(registered == 0, error);
        var before = FolderSnapshot.Of(Path.Combine(repository.Path, "workspace", "tasks", "reviews"));

        var (exitCode, experimentError) = await CommandLine.RunAsync(repository.Path, "experiment", "--dataset", second, "--name",
            "reviews");

        Assert.Equal(2, exitCode);
        Assert.Contains("A task named 'reviews' already exists", experimentError);
        Assert.Contains("with other data than", experimentError);
        before.AssertUnchanged();
        Assert.False(File.Exists(Path.Combine(repository.Path, "docs", "results.md")));
    }

    private string Write(string name, int from)
    {
        string path = Path.Combine(repository.Path, name);
        File.WriteAllLines(path, Enumerable.Range(from, 300).Select(i => $"review {i} was {(i % 2 == 0 ? "great,positive" : "awful,negative")}")
            .Prepend("text,label"));
        return path;
    }

    public void Dispose() => repository.Dispose();
}
