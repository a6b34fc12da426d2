using PromptDfd.Engine.Benchmarks;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Models;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Benchmarks;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class HuggingFaceShapesBenchmarkTests
{
    [Fact]
    public void ItTimesPromptDfdStepsWithGpt2sTokenizerAndAWordPieceTeacherAndCleansUpItsVocabulary()
    {
        using var environment = new TinyRunEnvironment();
        var task = environment.Task;
        int foldersBefore = Directory.GetDirectories(Path.GetTempPath(), "promptdfd-bench-*").Length;
        var log = new List<string>();
        var benchmark = new HuggingFaceShapesBenchmark(task, steps: 2, log.Add,
            HuggingFaceShapesBenchmark.Gpt2Shape with { Layers = 1, Width = 16, Heads = 2, ContextLength = 64 },
            HuggingFaceShapesBenchmark.BertBaseShape with { Layers = 1, Width = 16, Heads = 2, IntermediateWidth = 32, MaxPositions = 64 });

        benchmark.Run();

        var step = benchmark.Results[0];
        Assert.Equal("s/step", step.Unit);
        Assert.True(step.Value > 0);
        Assert.Matches(@"^median of 2; generation \d+\.\d s, rewards and prompter \d+\.\d s, student \d+\.\d s$", step.Detail);
        Assert.Contains("1L d16", step.Name);
        Assert.Equal(200 * step.Value / 60, benchmark.Results[1].Value, 6);
        Assert.Equal(2, log.Count);
        Assert.Equal(foldersBefore, Directory.GetDirectories(Path.GetTempPath(), "promptdfd-bench-*").Length);
    }
}
