using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class TeacherRecipeSearchTests : IDisposable
{
    private static readonly ClassifierTrainingConfig OneQuickEpoch = TeacherTrainingTests.OneQuickEpoch;
    private readonly TinyRunEnvironment environment = new();

    public void Dispose() => environment.Dispose();

    [Fact]
    public void NeighboursDifferFromTheGivenRecipeInOneWayEach()
    {
        var candidates = TeacherRecipeSearch.Candidates(OneQuickEpoch with { LanguageModelWeight = 0.5 });

        Assert.Equal(OneQuickEpoch with { LanguageModelWeight = 0.5 }, candidates[0].Config);
        Assert.Equal(ClassifierPooling.Mean, candidates[1].Config.Pooling);
        Assert.Equal((5e-4, 2), (candidates[2].Config.LearningRate, candidates[2].Config.Epochs));
        Assert.Equal(0, candidates[3].Config.LanguageModelWeight);
        Assert.Equal(candidates.Count, candidates.Select(c => c.Config).Distinct().Count());
        Assert.DoesNotContain(TeacherRecipeSearch.Candidates(OneQuickEpoch with { LanguageModelWeight = 0 }),
            c => c.Change.Contains("language-model"));
    }

    [Fact]
    public void TheSearchKeepsTheBestCandidateOnDevWithItsTableInTheCardAndLeavesNoTrialFolders()
    {
        string output = Path.Combine(environment.Root, "teachers", "searched");
        var log = new List<string>();

        TeacherSearchResult result = TeacherRecipeSearch.Run(environment.Task, environment.PriorFolder, output,
            OneQuickEpoch with { LanguageModelWeight = 0 },
            TimeSpan.FromHours(1), CPU, log.Add);

        Assert.Equal(3, result.Tried.Count);
        Assert.Empty(result.Skipped);
        Assert.Equal(result.Tried.Max(c => c.DevAccuracy), result.KeptCandidate.DevAccuracy);
        Assert.Equal(result.KeptCandidate.DevAccuracy, result.Kept.BestDev.Accuracy);
        Assert.Equal(output, result.Kept.Folder);
        string card = File.ReadAllText(Path.Combine(output, Checkpoint.CardFile));
        Assert.Contains("## Recipe search", card);
        Assert.Contains($"| {result.KeptCandidate.Change} (kept) |", card);
        Assert.Contains(log, line => line.StartsWith("candidate 2/3: pooling mean", StringComparison.Ordinal));
        Assert.False(Directory.Exists(output + ".search"));
        Assert.Equal(environment.Task.Labels, Checkpoint.LoadClassifier(output, CPU).Labels);
    }

    [Fact]
    public void ACandidateThatWouldEndAfterTheBudgetIsSkippedAndSaid()
    {
        string output = Path.Combine(environment.Root, "teachers", "budgeted");
        var log = new List<string>();

        TeacherSearchResult result = TeacherRecipeSearch.Run(environment.Task, environment.PriorFolder, output, OneQuickEpoch,
            TimeSpan.FromMilliseconds(1), CPU, log.Add);

        Assert.Single(result.Tried);
        Assert.Equal(2, result.Skipped.Count);
        Assert.Contains(log, line => line.Contains("skipped: it would end after the"));
        Assert.Contains("not run (time budget)", File.ReadAllText(Path.Combine(output, Checkpoint.CardFile)));
    }
}
