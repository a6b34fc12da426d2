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

    /// <summary>
    /// On Linux the start is the kernel's own count (clock ticks after boot, /proc/pid/stat): .NET derives StartTime from it
    /// and a boot time each process estimates for itself, so two processes could disagree on a third one's start.
    /// </summary>
    private static string Describe(Process process) =>
        $"{Environment.MachineName}:{process.Id}:{KernelStart(process.Id) ?? process.StartTime.ToUniversalTime().Ticks}";

    private static long? KernelStart(int pid)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces, so it is skipped up to its closing parenthesis);
            // starttime is field 22 of the whole line, the 20th after the name.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.TryParse(fields[19], out long ticks) ? ticks : null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
