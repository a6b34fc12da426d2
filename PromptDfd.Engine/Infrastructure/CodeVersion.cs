using System.Diagnostics;
using System.Reflection;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>The code a run or a model came from: the git commit of the repository (with "+dirty" for uncommitted changes), else the
/// assembly version.</summary>
public static class CodeVersion
{
    private static readonly Dictionary<string, string> Cache = new();

    /// <summary>The version of the repository the running program was built in (its output folder lies inside it).</summary>
    public static string OfRunningCode() => Describe(AppContext.BaseDirectory);

    public static string Describe(string repositoryRoot)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(repositoryRoot, out string? known)) return known;
            string version = Git(repositoryRoot, "rev-parse HEAD") is { Length: > 0 } commit
                ? commit + (Git(repositoryRoot, "status --porcelain --untracked-files=no") is { Length: > 0 } ? "+dirty" : "")
                : typeof(CodeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                    ?? "unknown";
            return Cache[repositoryRoot] = version;
        }
    }

    private static string? Git(string folder, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("git", $"-C \"{folder}\" {arguments}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
