using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cli;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class GenerateCommandTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public async Task AskingForNoSamplesIsAnErrorNotAnEmptySuccess(string count)
    {
        using var repository = new TemporaryFolder();
        File.WriteAllText(Path.Combine(repository.Path, RepositoryRoot.Marker), "");

        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "generate", "--prompt", "The", "--n", count);

        Assert.Equal(2, exitCode);
        Assert.Contains($"--n must be at least 1 (got {count})", error);
    }

    [Fact]
    public async Task AModelFolderThatCannotBeReadIsAOneLineErrorNotAStackTrace()
    {
        using var repository = new TemporaryFolder();
        File.WriteAllText(Path.Combine(repository.Path, RepositoryRoot.Marker), "");
        string model = repository.Folder("model");
        Directory.CreateDirectory(Path.Combine(model, "config.json")); // a folder where the file should be

        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "generate", "--model", model);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: ", error);
        Assert.Contains("config.json", error);
        Assert.DoesNotContain("   at ", error);
    }
}
