using System.Globalization;
using System.Text;
using System.Text.Json;
using PromptDfd.Engine;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Data;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

/// <summary>
/// The shipped default run (sentiment, seed 1, shortened to 3 steps) against its curves and samples as recorded before
/// the code was reorganised: a refactoring that changes what a run draws or computes fails here.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class DefaultRunGoldenTests : IDisposable
{
    private const string GoldenFile = "default-run-sentiment-seed1-3steps.txt";
    private readonly TemporaryFolder folder = new();

    [Fact]
    public async Task TheDefaultRunGivesTheRecordedCurvesAndSamples()
    {
        string actual = Canonical(await RunDefault());
        string path = ShippedTasksTests.RepositoryFile("PromptDfd.Tests", "Fixtures", "golden", GoldenFile);
        if (Environment.GetEnvironmentVariable("PROMPTDFD_WRITE_GOLDEN") == "1")
        {
            File.WriteAllText(path, $"# cpu: {CpuKernels.Signature}\n{actual}");
            return;
        }
        string[] golden = File.ReadAllLines(path);
        string recordedOn = golden[0]["# cpu: ".Length..];
        string[] expected = golden.Skip(1).ToArray();
        string[] lines = actual.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (recordedOn == CpuKernels.Signature)
        {
            Assert.Equal(expected, lines);
            return;
        }
        // libtorch picks its matmul kernels by instruction set, so another processor family may differ in the last bits:
        // there the same samples and curves equal to 5 significant digits are required instead.
        Assert.Equal(expected.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++) Assert.Equal(Rounded(expected[i]), Rounded(lines[i]));
    }

    private async Task<(IReadOnlyList<MetricPoint> Metrics, IReadOnlyList<SampleRecord> Samples)> RunDefault()
    {
        string root = ShippedTasksTests.RepositoryFile();
        using var store = new RunStore(Path.Combine(folder.Path, "runs.db"));
        using var manager = new RunManager(store, new RunEventHub(), new RunEnvironment(new Engine.Workspace(root)
        {
            RunsFolder = folder.Folder("runs")
        }, Threads: 2));
        manager.Start();
        RunConfig config = RunPresets.Create(RunPresets.Default, "sentiment", 1);
        config = config with { Training = config.Training with { Schedule = config.Training.Schedule with { Steps = 3 } } };
        RunRecord done = await manager.WhenFinished(manager.Submit(config).Id).WaitAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(RunStatus.Completed, done.Status);
        return (store.Metrics(done.Id), store.AllSamples(done.Id));
    }

    private static string Canonical((IReadOnlyList<MetricPoint> Metrics, IReadOnlyList<SampleRecord> Samples) run)
    {
        var text = new StringBuilder();
        // Wall-clock measurements are the only values a run may not repeat.
        foreach (MetricPoint m in run.Metrics.Where(m => !Engine.Metrics.MetricNames.IsTiming(m.Name))
                     .OrderBy(m => m.Step).ThenBy(m => m.Name, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"metric {m.Step} {m.SamplesSeen} {m.Name} {m.Value:R}\n");
        foreach (SampleRecord s in run.Samples)
            text.Append(CultureInfo.InvariantCulture,
                $"sample {s.Step} {s.Class} {s.TeacherLabel} {s.TeacherConfidence:R} {s.StudentLabel} " +
                    $"{JsonSerializer.Serialize(s.Prompt)} {JsonSerializer.Serialize(s.Content)}\n");
        return text.ToString();
    }

    private static string Rounded(string line) => string.Join(' ', line.Split(' ').Select(word =>
        double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && word.Contains('.')
            ? value.ToString("G5", CultureInfo.InvariantCulture) : word));

    public void Dispose() => folder.Dispose();
}
