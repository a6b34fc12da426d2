using System.Diagnostics;
using PromptDfd.Cluster.Hosting;

namespace PromptDfd.Tests.Cluster;

/// <summary>
/// A PostgreSQL server of its own on a free loopback port (Debian's postgresql package), with a fresh database cluster in a
/// temporary folder; stopped and deleted when disposed. PostgreSQL refuses to run as root, so under root (CI) its programs
/// run as the package's postgres user.
/// </summary>
public sealed class LoopbackPostgres : IDisposable
{
    private const string User = "promptdfd";
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"promptdfd-postgres-{Guid.NewGuid():N}");
    private readonly string bin;

    public LoopbackPostgres()
    {
        bin = Binaries() ?? throw new InvalidOperationException("PostgreSQL is not installed: apt-get install postgresql " +
            "(.ci/run installs it).");
        Directory.CreateDirectory(folder);
        if (Environment.UserName == "root") Run("chown", "postgres", folder);
        int port = ClusterSettings.FreePort();
        string data = Path.Combine(folder, "data");
        Run(Path.Combine(bin, "initdb"), "-D", data, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync");
        Run(Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-o",
            $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
        Connection = $"Host=127.0.0.1;Port={port};Database=postgres;Username={User}";
    }

    /// <summary>The Npgsql connection string of the server's default database.</summary>
    public string Connection { get; }

    private static string? Binaries() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin"))
            .Where(path => File.Exists(Path.Combine(path, "initdb"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
        : null;

    private static void Run(string program, params string[] arguments)
    {
        bool asPostgres = Environment.UserName == "root" && program != "chown";
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres) foreach (string prefix in new[] { "-u", "postgres", "--", program }) start.ArgumentList.Add(prefix);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000)) process.Kill(entireProcessTree: true);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {error.Result}\n{output.Result}");
    }

    public void Dispose()
    {
        try { Run(Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "stop"); }
        catch (InvalidOperationException) { }
        Directory.Delete(folder, recursive: true);
    }
}
