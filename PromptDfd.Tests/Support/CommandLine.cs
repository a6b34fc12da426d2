using System.Diagnostics;

namespace PromptDfd.Tests.Support;

/// <summary>The built <c>promptdfd</c> command line, run as a separate process the way users run it.</summary>
public static class CommandLine
{
    public static string Assembly()
    {
        string testFolder = AppContext.BaseDirectory;
        string candidate = testFolder.Replace($"{Path.DirectorySeparatorChar}PromptDfd.Tests{Path.DirectorySeparatorChar}",
            $"{Path.DirectorySeparatorChar}PromptDfd.Cli{Path.DirectorySeparatorChar}");
        string dll = Path.Combine(candidate, "promptdfd.dll");
        Assert.True(File.Exists(dll), $"the command line is built next to the tests ({dll})");
        return dll;
    }

    /// <summary>Starts a command with its output and error redirected.</summary>
    /// <param name="workingDirectory">where it runs (null: the tests' own); a folder holding PromptDfd.sln becomes its repository
    /// root</param>
    public static Process Start(string? workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(Assembly());
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>Runs a command to its end and returns its exit code and what it wrote to standard error.</summary>
    public static async Task<(int ExitCode, string Error)> RunAsync(string workingDirectory, params string[] arguments)
    {
        using Process process = Start(workingDirectory, arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"promptdfd {string.Join(' ', arguments)} did not finish within two minutes");
        }
        await output;
        return (process.ExitCode, await error);
    }
}
