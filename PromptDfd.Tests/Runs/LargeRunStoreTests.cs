using System.Diagnostics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

[Trait(TestCategory.Name, TestCategory.Slow)]
public class LargeRunStoreTests
{
    [Fact]
    public void ARunWithAHundredThousandSamplesIsPagedAndFiltered()
    {
        using var folder = new TemporaryFolder();
        using var store = new RunStore(folder.File("runs.db"));
        var clock = Stopwatch.StartNew();
        for (int chunk = 0; chunk < 10; chunk++)
        {
            store.Append(
                Enumerable.Range(0, 2_000).Select(i => new MetricPoint
                {
                    RunId = "big",
                    Step = chunk * 2_000 + i,
                    Name = "reward/total",
                    Value = i
                }).ToList(),
                Enumerable.Range(0, 10_000).Select(i => new SampleRecord
                {
                    RunId = "big",
                    Step = (chunk * 10_000 + i) / 32,
                    Class = i % 2 == 0 ? "positive" : "negative",
                    Prompt = "p",
                    Content = $"sample {chunk * 10_000 + i}",
                    TeacherLabel = "positive"
                }).ToList(),
                []);
        }
        long inserted = clock.ElapsedMilliseconds;
        clock.Restart();
        var page = store.Samples("big", new SampleQuery { Skip = 50, Take = 25, IntendedClass = "negative" });
        long paged = clock.ElapsedMilliseconds;
        clock.Restart();
        var metrics = store.Metrics("big", "reward/total");
        long read = clock.ElapsedMilliseconds;
        Console.WriteLine($"insert 100k samples + 20k metrics: {inserted} ms; one filtered page: {paged} ms; 20k metric points: {read} ms");
        Assert.Equal(50_000, page.Total);
        Assert.Equal(25, page.Items.Count);
        Assert.All(page.Items, s => Assert.Equal("negative", s.Class));
        Assert.Equal(20_000, metrics.Count);
        Assert.Equal(Enumerable.Range(0, 20_000), metrics.Select(m => m.Step));
    }
}
