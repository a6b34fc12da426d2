using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cli;

/// <summary>
/// docs/bring-your-own-data.md as a new user follows it, on a small generated dataset in a throwaway repository with tiny
/// models: register with a separate test file, train the teacher (compared with Naive Bayes, prompts mined), run the
/// experiment into the workspace, and leave everything outside the workspace and the run store as it was.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class BringYourOwnDataWalkthroughTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();

    [Fact]
    public async Task TheWalkthroughRunsEndToEndAndWritesOnlyIntoTheWorkspace()
    {
        string root = environment.Root;
        File.WriteAllText(Path.Combine(root, Engine.Infrastructure.RepositoryRoot.Marker), "");
        string data = Path.Combine(root, "my-data");
        Directory.CreateDirectory(data);
        string[] good = ["wonderful", "great", "lovely", "excellent"], bad = ["terrible", "slow", "awful", "bad"];
        string Row(int i) => i % 2 == 0 ? $"The movie {i} was {good[i % 4]},positive" : $"The food {i} was {bad[i % 4]},negative";
        File.WriteAllLines(Path.Combine(data, "reviews.csv"), Enumerable.Range(0, 240).Select(Row).Prepend("text,label"));
        File.WriteAllLines(Path.Combine(data, "reviews-test.csv"), Enumerable.Range(1000, 40).Select(Row).Prepend("text,label"));
        var before = TrackedFiles(root);

        await Succeeds("register", "--file", Path.Combine(data, "reviews.csv"), "--name", "reviews", "--test-file",
            Path.Combine(data, "reviews-test.csv"));
        string teacherLog = await Succeeds("train-teacher", "--task", "reviews", "--epochs", "1", "--threads", "1");
        Assert.Contains("Naive Bayes on reviews dev:", teacherLog);
        Assert.Contains("topic prompts mined from the teacher", teacherLog);
        await Succeeds(["experiment", "--tasks", "reviews", "--rows", "promptdfd,unconditional-prior", "--seeds", "1", "--steps", "3",
            "--threads", "1", .. TinySettings]);

        string workspace = Path.Combine(root, "workspace");
        Assert.Equal(40, File.ReadLines(Path.Combine(workspace, "tasks", "reviews", "test.jsonl")).Count());
        Assert.True(File.Exists(Path.Combine(workspace, "tasks", "reviews", "prompts.json")));
        Assert.True(File.Exists(Path.Combine(workspace, "teachers", "reviews", "model.safetensors")));
        string report = File.ReadAllText(Path.Combine(workspace, "reports", "reviews", "results.md"));
        Assert.Contains("| promptdfd |", report);
        Assert.DoesNotContain("Targets (issue 4)", report);
        Assert.Equal(before, TrackedFiles(root));
    }

    /// <summary>The run config sized for the tiny models (their context is 32 tokens).</summary>
    private static readonly string[] TinySettings = ["--set", "Training.Prompter.PromptLength=3", "--set", "Training.Prompter.PrefixLength=2",
        "--set", "Training.Content.MaxNewTokens=8", "--set", "Training.Distillation.BatchSize=8", "--set", "Training.Schedule.SamplesPerStep=8",
        "--set", "Training.Schedule.EvaluateEvery=3", "--set", "Training.Schedule.QualityWindow=16", "--set", "Student.Layers=1",
        "--set", "Student.Width=16", "--set", "Student.Heads=2"];

    private async Task<string> Succeeds(params string[] arguments)
    {
        using var process = CommandLine.Start(environment.Root, arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        Assert.True(process.ExitCode == 0, $"promptdfd {string.Join(' ', arguments)} failed: {await error}\n{await output}");
        return await output;
    }

    /// <summary>Every file and its size outside the workspace, the run store and the user's own data: what git would see.</summary>
    private static Dictionary<string, long> TrackedFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.StartsWith("workspace", StringComparison.Ordinal) && !f.StartsWith("runs", StringComparison.Ordinal)
                && !f.StartsWith("my-data", StringComparison.Ordinal))
            .ToDictionary(f => f, f => new FileInfo(Path.Combine(root, f)).Length);

    public void Dispose() => environment.Dispose();
}
