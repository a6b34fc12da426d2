using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cli;

/// <summary>Options of the run and experiment commands that are shorthands, checked as a user types them.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class RunOptionsTests : IDisposable
{
    private readonly TemporaryFolder repository = new();

    public RunOptionsTests() => File.WriteAllText(Path.Combine(repository.Path, RepositoryRoot.Marker), "");

    [Fact]
    public async Task DeviceIsTheRunConfigsDeviceAndAnUnknownOneIsRefusedByName()
    {
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "run", "--task", "sentiment", "--device", "tpu");

        Assert.Equal(1, exitCode);
        Assert.Contains("Device must be cpu, cuda or auto (got 'tpu')", error);
    }

    [Theory]
    [InlineData("run", "-5")]
    [InlineData("run", "0")]
    [InlineData("experiment", "-5")]
    public async Task AStepCountBelowOneIsRefusedNotIgnored(string command, string steps)
    {
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path,
            [command, "--steps", steps, .. command == "experiment" ? ["--report-only"] : Array.Empty<string>()]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"--steps must be a whole number of steps, at least 1 (got '{steps}')", error);
    }

    [Theory]
    [InlineData("{}", "names no Task")]
    [InlineData("{\"Task\": ", "is not valid JSON")]
    public async Task AConfigFileThatIsEmptyOrBrokenIsRefusedNotRunAsTheDefault(string content, string expected)
    {
        string file = Path.Combine(repository.Path, "run.json");
        File.WriteAllText(file, content);
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "run", "--config", file);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("runs", "--store")]
    [InlineData("run", "--store")]
    [InlineData("export", "--store")]
    [InlineData("export", "--out")]
    public async Task AFolderGivenWhereAFileBelongsIsRefusedNamingTheOptionNotAccessDenied(string command, string option)
    {
        string folder = Path.Combine(repository.Path, "a-folder");
        Directory.CreateDirectory(folder);
        string[] arguments = command == "export" ? ["--run", "r", "--what", "metrics"] : [];
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, [command, .. arguments, option, folder]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{option} '{folder}' is a folder", error);
        Assert.DoesNotContain("denied", error);
    }

    [Fact]
    public async Task ANumberTooLargeForADoubleIsRefusedNamingTheKey()
    {
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "run", "--set", "Training.Distillation.LearningRate=1e400");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Training.Distillation.LearningRate in the config after overrides is 1e400", error);
        Assert.DoesNotContain("JsonNumberHandling", error);
    }

    [Fact]
    public async Task AStoreDamagedAfterItOpensIsReportedWithWhatToDoNotACrash()
    {
        string path = Path.Combine(repository.Path, "damaged.db");
        using (var store = new Engine.Store.RunStore(path))
        {
            store.Insert(new Engine.Store.RunRecord
            {
                Id = "r",
                Name = "r",
                Task = "sentiment",
                ConfigJson = Engine.Runs.RunPresets.Create("promptdfd", "sentiment", 1).ToJson()
            });
            store.Append(Enumerable.Range(0, 20_000).Select(i => new Engine.Store.MetricPoint
            {
                RunId = "r",
                Step = i,
                Name = "student/accuracy",
                Value = i
            }).ToList(), [], []);
        }
        // Overwrite pages in the middle of the file, where the metrics and their index live; the header stays readable.
        using (var file = File.OpenWrite(path))
        {
            file.Position = file.Length / 2;
            file.Write(Enumerable.Repeat((byte)0x5a, 64 * 1024).ToArray());
        }
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "export", "--run", "r", "--what", "metrics", "--out",
            Path.Combine(repository.Path, "m.csv"), "--store", path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"The run store '{path}' is damaged", error);
        Assert.Contains("Move it aside", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task SeedsThatAreNotNumbersAreAUsageErrorNotACrash()
    {
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "experiment", "--seeds", "1,two", "--report-only");

        Assert.Equal(2, exitCode);
        Assert.Contains("--seeds expects whole numbers separated by commas (e.g. 1,2", error);
        Assert.Contains("got 'two'", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task PriorAndTeacherNameTheRunsModelFoldersAndAMismatchIsRefusedBeforeItRuns()
    {
        using var environment = new TinyRunEnvironment();
        File.WriteAllText(Path.Combine(environment.Root, RepositoryRoot.Marker), "");
        string bert = Path.Combine(environment.Root, "models", "bert-teacher");
        Directory.CreateDirectory(bert);
        HuggingFaceFixtures.WriteBert(bert, labels: ["negative", "positive"]);

        var (asDfd, asDfdError) = await CommandLine.RunAsync(environment.Root, "run", "--task", TinyRunEnvironment.TaskName, "--preset",
            "as-dfd", "--teacher", "models/bert-teacher", "--set", "Training.Content.MaxNewTokens=8");
        var (noPrior, noPriorError) = await CommandLine.RunAsync(environment.Root, "run", "--task", TinyRunEnvironment.TaskName, "--prior",
            "models/missing");

        Assert.Equal(1, asDfd);
        Assert.Contains("AS-DFD optimises soft tokens through the teacher's own embedding matrix", asDfdError);
        Assert.Equal(1, noPrior);
        Assert.Contains($"No language prior at {Path.Combine(environment.Root, "models/missing")}", noPriorError);
    }

    [Fact]
    public async Task TheExperimentLeavesOutTheAsDfdCellOfATaskWhoseTeacherHasItsOwnTokenizer()
    {
        using var environment = new TinyRunEnvironment();
        File.WriteAllText(Path.Combine(environment.Root, RepositoryRoot.Marker), "");
        string teacher = Path.Combine(environment.Root, "models", "teachers", TinyRunEnvironment.TaskName);
        Directory.Delete(teacher, recursive: true);
        Directory.CreateDirectory(teacher);
        HuggingFaceFixtures.WriteBert(teacher, labels: TinyRunEnvironment.Labels);
        string results = Path.Combine(environment.Root, "results.md");

        using var process = CommandLine.Start(environment.Root, "experiment", "--tasks", TinyRunEnvironment.TaskName, "--seeds", "1",
            "--rows", "as-dfd", "--out", results);
        string output = await process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, error);
        Assert.Contains($"skipping as-dfd on {TinyRunEnvironment.TaskName}: its teacher has its own tokenizer", output);
        Assert.True(File.Exists(results));
    }

    public void Dispose() => repository.Dispose();
}
