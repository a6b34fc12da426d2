using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cli;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class TrainTeacherCommandTests
{
    [Fact]
    public async Task AFromScratchAblationWithoutOutIsRefusedBeforeItCanReplaceTheTasksTeacher()
    {
        // A repository of its own, so a regression can only ever write into this folder, never over a shipped teacher.
        using var repository = new TemporaryFolder();
        File.WriteAllText(Path.Combine(repository.Path, RepositoryRoot.Marker), "");
        Directory.CreateDirectory(Path.Combine(repository.Path, "data", "tasks", "sentiment")); // a shipped task, as in the repository
        string teacher = Path.Combine(repository.Path, "models", "teachers", "sentiment");

        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "train-teacher", "--task", "sentiment", "--epochs", "1",
            "--from-scratch");

        Assert.Equal(2, exitCode);
        Assert.Contains("--from-scratch trains an ablation", error);
        Assert.Contains($"give it --out <folder> (e.g. scratch/teachers/sentiment-from-scratch) so it does not replace {teacher}", error);
        Assert.False(Directory.Exists(teacher));
    }
}
