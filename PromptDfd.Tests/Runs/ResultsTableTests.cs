using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class ResultsTableTests
{
    private static RunRecord Completed(RunStore store, string preset, long seed, params double[] accuracies)
    {
        var run = new RunRecord
        {
            Id = $"{preset}-{seed}",
            Task = "sentiment",
            Preset = preset,
            Seed = seed,
            Status = RunStatus.Completed,
            TeacherAccuracy = 0.8,
            LastAccuracy = accuracies[^1],
            ConfigJson = RunPresets.Create(preset, "sentiment", seed).ToJson(),
            CodeVersion = "abc",
            Hashes = new()
            {
                ["prior"] = "0123456789abcdef0123",
                ["teacher"] = preset == "random-text" ? "feedfacecafe99" : "aaaabbbbcccc1111"
            },
        };
        store.Insert(run);
        store.Append(accuracies.Select((a, i) => new MetricPoint
        {
            RunId = run.Id,
            Step = i * 20,
            Name = "student/accuracy",
            Value = a
        }).ToList(), [], []);
        return run;
    }

    [Fact]
    public void CellsAverageTheLastThreeEvaluationsThenSeedsAndTargetsAreChecked()
    {
        using var folder = new TemporaryFolder();
        using var store = new RunStore(folder.File("runs.db"));
        var runs = new List<RunRecord>
        {
            // Step 0 is before training and never counts; the best value (0.95) is not what is reported.
            Completed(store, "promptdfd", 1, 0.5, 0.95, 0.70, 0.72, 0.74),
            Completed(store, "promptdfd", 2, 0.5, 0.60, 0.74, 0.76, 0.78),
            Completed(store, "random-text", 1, 0.5, 0.55, 0.55, 0.55, 0.55),
            Completed(store, "data-driven-kd", 1, 0.5, 0.75, 0.76, 0.77, 0.78),
        };
        Assert.Equal(0.72, ResultsTable.FinalAccuracy(store, "promptdfd-1"), 6);
        string markdown = ResultsTable.Render(store, runs, ["sentiment"], ["promptdfd", "random-text", "data-driven-kd", "as-dfd"],
            [new RealTextQuality("sentiment", 100, 0.2, 0.8)], "experiment --tasks sentiment", "{}");
        Assert.Contains("| teacher | 80.0 |", markdown);
        Assert.Contains("| promptdfd | 74.0 ± 2.8 |", markdown);
        Assert.Contains("| as-dfd | — |", markdown);
        Assert.Contains("sentiment: PromptDFD ≥ random text + 10: 74.0 %, needed 65.0 % (+9.0 points) — **met**", markdown);
        Assert.Contains("sentiment: PromptDFD within 3 of data-driven KD: 74.0 %, needed 74.0 % (+0.0 points) — **met**", markdown);
        Assert.Contains("AS-DFD-style + 5: not measured", markdown);
        // A table mixing two teachers says so, so a stale cell cannot pass for the shipped model's.
        Assert.Contains("prior `0123456789ab`; teachers: sentiment `aaaabbbbcccc` and `feedfacecafe`.", markdown);
    }
}
