extern alias cli;

using cli::PromptDfd.Cli.Output;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cli;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class ProgressLineTests
{
    [Fact]
    public void TheBarShowsWorkDoneElapsedTimeAndAnEtaAtThePaceSoFar() =>
        Assert.Equal("steps [############------------] 50/100 · 01:00 elapsed · ETA 01:00",
            ProgressLine.Render("steps", 50, 100, TimeSpan.FromMinutes(1)));

    [Fact]
    public void AResumedJobsEtaUsesOnlyThePaceOfTheWorkDoneInThisProcess() =>
        // 80 of 100 done, 60 of them before; 20 took 2 minutes here, so 20 more take 2 minutes.
        Assert.EndsWith("80/100 · 02:00 elapsed · ETA 02:00", ProgressLine.Render("steps", 80, 100, TimeSpan.FromMinutes(2), doneBefore: 60));

    [Fact]
    public void AnEtaOverAnHourKeepsItsHoursAndNothingDoneYetHasNone()
    {
        Assert.EndsWith("ETA 1:40:00", ProgressLine.Render("runs", 1, 11, TimeSpan.FromMinutes(10)));
        Assert.EndsWith("ETA unknown", ProgressLine.Render("runs", 0, 11, TimeSpan.Zero));
        Assert.EndsWith("done", ProgressLine.Render("runs", 11, 11, TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void IntoAFileTheBarIsALineAtTheFirstReportAndAtEveryTenthOfTheWork()
    {
        var output = new StringWriter();
        var progress = new ProgressLine(output, interactive: false, "steps");
        for (int step = 1; step <= 200; step++) progress.Report(step, 200, TimeSpan.FromSeconds(step));
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, lines.Length);
        Assert.Contains(" 1/200 ", lines[0]);
        Assert.StartsWith("steps [##", lines[1]);
        Assert.Contains(" 20/200 ", lines[1]);
        Assert.Contains("200/200", lines[^1]);
        Assert.DoesNotContain('\r', output.ToString());
    }

    [Fact]
    public void OnATerminalTheBarRedrawsInPlaceAtMostFiveTimesASecondAndStaysBelowPrintedLines()
    {
        var output = new StringWriter();
        var time = new DateTime(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);
        var progress = new ProgressLine(output, interactive: true, "steps", () => time);
        progress.Report(1, 100, TimeSpan.FromSeconds(1));
        progress.Report(2, 100, TimeSpan.FromSeconds(2)); // within 200 ms of the last drawing: not drawn
        time = time.AddMilliseconds(250);
        progress.Report(3, 100, TimeSpan.FromSeconds(3));
        progress.WriteLine("  step 3 student accuracy 50.0%");
        progress.Finish();

        string text = output.ToString();
        Assert.Equal(2, text.Split("\rsteps [").Length - 1);
        Assert.DoesNotContain(" 2/100 ", text);
        int printed = text.IndexOf("  step 3 student accuracy", StringComparison.Ordinal);
        Assert.True(printed > 0 && text.IndexOf("3/100", printed, StringComparison.Ordinal) > printed,
            "the bar is drawn again below the printed line");
        Assert.EndsWith(Environment.NewLine, text);
    }
}
