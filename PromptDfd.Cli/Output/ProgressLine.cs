using System.Globalization;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Cli.Output;

/// <summary>
/// A progress bar with an ETA for long command-line work. On a terminal it redraws one line in place (at most five times
/// a second) and keeps it below the lines the command prints; into a file or pipe it writes a plain line at every tenth
/// of the work instead, so logs stay readable.
/// </summary>
public sealed class ProgressLine(TextWriter output, bool interactive, string label, Func<DateTime>? clock = null)
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(200);
    private readonly Func<DateTime> now = clock ?? (() => DateTime.UtcNow);
    private DateTime lastDrawn = DateTime.MinValue;
    private string shown = "";
    private long lastTenth = -1;

    /// <summary>Whether standard output is a terminal a bar can be redrawn on.</summary>
    public static bool ConsoleIsInteractive => !Console.IsOutputRedirected;

    /// <summary>Work done so far, and how long the part done since <paramref name="doneBefore"/> took (the pace the ETA
    /// extrapolates: a resumed job's earlier work took another process's time).</summary>
    public void Report(long done, long total, TimeSpan elapsed, long doneBefore = 0)
    {
        if (total <= 0) return;
        string text = Render(label, done, total, elapsed, doneBefore);
        if (interactive)
        {
            if (done < total && now() - lastDrawn < RedrawInterval) return;
            lastDrawn = now();
            output.Write("\r" + text.PadRight(shown.Length));
            shown = text;
            output.Flush();
            return;
        }
        long tenth = Math.Min(10, done * 10 / total);
        if (tenth == lastTenth) return;
        lastTenth = tenth;
        output.WriteLine(text);
    }

    /// <summary>Prints a line of the command's own above the bar, which is then drawn again below it.</summary>
    public void WriteLine(string line)
    {
        if (interactive && shown.Length > 0)
        {
            output.Write("\r" + new string(' ', shown.Length) + "\r");
            output.WriteLine(line);
            output.Write(shown);
            output.Flush();
            return;
        }
        output.WriteLine(line);
    }

    /// <summary>Ends the bar's line so what follows starts on its own.</summary>
    public void Finish()
    {
        if (interactive && shown.Length > 0) output.WriteLine();
        shown = "";
    }

    public static string Render(string label, long done, long total, TimeSpan elapsed, long doneBefore = 0, int width = 24)
    {
        done = Math.Clamp(done, 0, total);
        int filled = (int)(width * done / total);
        long paced = done - Math.Clamp(doneBefore, 0, done);
        string eta = done == total ? "done" : paced == 0 ? "ETA unknown"
            : $"ETA {RemainingTime.Format(RemainingTime.AtPace(elapsed.TotalSeconds, done: paced, total: paced + total - done))}";
        return string.Create(CultureInfo.InvariantCulture, $"{label} [{new string('#', filled)}{new string('-', width - filled)}] " +
            $"{done}/{total} · {RemainingTime.Format(elapsed.TotalSeconds)} elapsed · {eta}");
    }
}
