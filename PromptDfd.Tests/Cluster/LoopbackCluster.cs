using System.Diagnostics;
using PromptDfd.Cluster.Hosting;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cluster;

/// <summary>
/// A cluster of real processes on loopback, as users start one: Debian's redis-server on a free port for membership (or a
/// PostgreSQL given to it), a
/// dashboard, and `promptdfd worker` processes, each with run folders of its own under <see cref="Root"/>. Everything it
/// started is killed when it is disposed.
/// </summary>
public sealed class LoopbackCluster : IDisposable
{
    private readonly List<Process> processes = [];

    /// <param name="root">the tree of tasks and models the members use</param>
    /// <param name="scratch">where run folders and redis's files go (default: under <paramref name="root"/>)</param>
    /// <param name="membership">the cluster's membership (Cluster:Clustering); null: a redis-server of its own</param>
    public LoopbackCluster(string root, string? scratch = null, string? membership = null)
    {
        Root = root;
        Scratch = scratch ?? root;
        ClusterId = $"test-{Guid.NewGuid():N}";
        Membership = membership ?? StartRedis();
    }

    public string Root { get; }
    public string Scratch { get; }
    public string Membership { get; }
    public string ClusterId { get; }

    /// <summary>The options that join this cluster.</summary>
    public string[] Join => ["--cluster", Membership, "--cluster-id", ClusterId];

    private string StartRedis()
    {
        int port = ClusterSettings.FreePort();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = Scratch };
        foreach (string argument in new[] { "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
            start.ArgumentList.Add(argument);
        Drained(Process.Start(start)!);
        return $"redis:127.0.0.1:{port}";
    }

    public Process StartWorker(string name, int threads = 1) => Drained(CommandLine.Start(null, ["worker", .. Join, "--name", name,
        "--root", Root, "--runs", Path.Combine(Scratch, "workers", name), "--threads", $"{threads}"]));

    /// <summary>A dashboard over <see cref="Root"/> in the cluster, taking no runs itself.</summary>
    public Process StartDashboard()
    {
        string web = CommandLine.Assembly().Replace($"{Path.DirectorySeparatorChar}PromptDfd.Cli{Path.DirectorySeparatorChar}",
            $"{Path.DirectorySeparatorChar}PromptDfd.Web{Path.DirectorySeparatorChar}").Replace("promptdfd.dll", "PromptDfd.Web.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(web)!,
        };
        foreach (string argument in new[] { web, "--urls", "http://127.0.0.1:0", $"--Dashboard:RepositoryRoot={Root}",
            $"--Cluster:Clustering={Membership}", $"--Cluster:ClusterId={ClusterId}", "--Cluster:Worker:AcceptsRuns=false" })
            start.ArgumentList.Add(argument);
        return Drained(Process.Start(start)!);
    }

    /// <summary>A command of this cluster whose output the caller reads.</summary>
    public Process Start(params string[] arguments) => Owned(CommandLine.Start(null, arguments));

    /// <summary>Waits up to 3 minutes for a command to exit with 0; otherwise fails with what it wrote and the runs' story.</summary>
    public static async Task Succeeded(Process command, Task<string> output, Task<string> error, Func<string>? story = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try { await command.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            command.Kill(entireProcessTree: true);
            Assert.Fail($"the command did not finish: {story?.Invoke()}\n{await output}\n{await error}");
        }
        Assert.True(command.ExitCode == 0, $"the command failed: {await error}\n{await output}");
    }

    /// <summary>Reads away what a process writes, so a full pipe never stalls it.</summary>
    private Process Drained(Process process)
    {
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        if (process.StartInfo.RedirectStandardError)
        {
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
        }
        return Owned(process);
    }

    private Process Owned(Process process)
    {
        processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (Process process in processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
    }
}
