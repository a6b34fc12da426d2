using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Components.Runs;

namespace PromptDfd.Tests.Web;

/// <summary>What a Run page read from the store is not shown a second time when the hub's replay delivers it again.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class RunSnapshotSeamTests
{
    private static MetricPoint Point(string name, int step) => new() { Name = name, Step = step, Value = step };
    private static SampleRecord Sample(int step, string content) => new() { Step = step, Class = "positive", Prompt = "It was", Content = content };
    private static RunEventRecord Event(int step, string kind, string message) => new() { Step = step, Kind = kind, Message = message };

    [Fact]
    public void AMetricPointIsNewOnlyAfterTheLastStepReadAndOnlyOnce()
    {
        var seam = new RunSnapshotSeam([Point("reward/total", 1), Point("reward/total", 2), Point("student/accuracy", 0)], [], []);

        Assert.False(seam.IsNew(Point("reward/total", 2)));
        Assert.False(seam.IsNew(Point("student/accuracy", 0)));
        Assert.True(seam.IsNew(Point("reward/total", 3)));
        Assert.False(seam.IsNew(Point("reward/total", 3)));
        Assert.True(seam.IsNew(Point("student/accuracy", 3)));
        Assert.True(seam.IsNew(Point("time/student_s", 1)));
    }

    [Fact]
    public void ASampleOfTheNewestStepReadIsNewUnlessItWasRead()
    {
        // The store took part of step 5 in one batch; the rest of it comes live.
        var seam = new RunSnapshotSeam([], [Sample(5, "a fine film"), Sample(5, "a dull film"), Sample(4, "a long film")], []);

        Assert.False(seam.IsNew(Sample(4, "a short film")));
        Assert.False(seam.IsNew(Sample(5, "a fine film")));
        Assert.True(seam.IsNew(Sample(5, "a loud film")));
        Assert.True(seam.IsNew(Sample(6, "a fine film")));
    }

    [Fact]
    public void EventsAreComparedOneByOneSoAResumptionAtAnEarlierStepStillShows()
    {
        var seam = new RunSnapshotSeam([], [], [Event(4, "checkpoint", "checkpoint at step 4"), Event(6, "status", "interrupted")]);

        Assert.False(seam.IsNew(Event(4, "checkpoint", "checkpoint at step 4")));
        Assert.True(seam.IsNew(Event(4, "status", "resumed from step 4")));
        Assert.True(seam.IsNew(Event(8, "checkpoint", "checkpoint at step 8")));
    }

    [Fact]
    public void NothingReadMeansEverythingIsNew()
    {
        var seam = new RunSnapshotSeam([], [], []);

        Assert.True(seam.IsNew(Point("student/accuracy", 0)));
        Assert.True(seam.IsNew(Sample(0, "a fine film")));
        Assert.True(seam.IsNew(Event(0, "status", "started")));
    }
}
