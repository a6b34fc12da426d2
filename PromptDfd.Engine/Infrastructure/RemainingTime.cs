namespace PromptDfd.Engine.Infrastructure;

/// <summary>How long a run still needs, as a clock reading: minutes and seconds under an hour, hours in front beyond it
/// (an hour and a quarter must never read as "15:00").</summary>
public static class RemainingTime
{
    /// <summary>Seconds left at the pace so far: <paramref name="done"/> of <paramref name="total"/> took
    /// <paramref name="elapsedSeconds"/>. NaN before anything is done.</summary>
    public static double AtPace(double elapsedSeconds, long done, long total) =>
        done <= 0 ? double.NaN : elapsedSeconds * Math.Max(0, total - done) / done;

    public static string Format(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds < 0) return "unknown";
        var time = TimeSpan.FromSeconds(Math.Round(seconds));
        return time.TotalHours >= 1 ? $"{(long)time.TotalHours}:{time:mm\\:ss}" : $"{time:mm\\:ss}";
    }
}
