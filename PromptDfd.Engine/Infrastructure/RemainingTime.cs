namespace PromptDfd.Engine.Infrastructure;

/// <summary>How long a run still needs, as a clock reading: minutes and seconds under an hour, hours in front beyond it
/// (an hour and a quarter must never read as "15:00").</summary>
public static class RemainingTime
{
    public static string Format(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds < 0) return "unknown";
        var time = TimeSpan.FromSeconds(Math.Round(seconds));
        return time.TotalHours >= 1 ? $"{(long)time.TotalHours}:{time:mm\\:ss}" : $"{time:mm\\:ss}";
    }
}
