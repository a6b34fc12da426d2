using System.Diagnostics;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Which process owns a queued or running run ("machine:pid:start ticks"), so a second process sharing the store
/// (the command line next to the dashboard) never mistakes another live process's run for an interrupted one.
/// </summary>
public static class ProcessOwner
{
    public static string Current { get; } = Describe(Process.GetCurrentProcess());

    public static bool IsAlive(string? owner)
    {
        if (string.IsNullOrEmpty(owner)) return false;
        if (owner == Current) return true;
        string[] parts = owner.Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out int pid)) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return Describe(process) == owner;
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string Describe(Process process) =>
        $"{Environment.MachineName}:{process.Id}:{process.StartTime.ToUniversalTime().Ticks}";
}
