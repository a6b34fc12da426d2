using System.Diagnostics;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>
/// The process's resident memory and its CPU use since the previous reading, as a run's health curves: libtorch's
/// allocations are native, so the working set (not the managed heap) is what grows when a run is too big for the machine.
/// </summary>
public sealed class ProcessHealth
{
    private TimeSpan lastCpu;
    private DateTime lastWall;

    public ProcessHealth()
    {
        using var process = Process.GetCurrentProcess();
        (lastCpu, lastWall) = (process.TotalProcessorTime, DateTime.UtcNow);
    }

    /// <summary>Resident memory in MB and CPU time per wall time since the last reading, in percent of one core (200 = two busy
    /// cores).</summary>
    public (double MemoryMegabytes, double CpuPercent) Read()
    {
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu = process.TotalProcessorTime;
        DateTime wall = DateTime.UtcNow;
        double seconds = (wall - lastWall).TotalSeconds;
        double percent = seconds <= 0 ? 0 : 100 * (cpu - lastCpu).TotalSeconds / seconds;
        (lastCpu, lastWall) = (cpu, wall);
        return (process.WorkingSet64 / (1024.0 * 1024.0), percent);
    }
}
