using System.Diagnostics;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>The dashboard started on a damaged run store stops with the store's path and what to do, not a stack trace.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class DamagedStoreStartTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    [Fact]
    public async Task TheDashboardOnADamagedStoreExitsWithThePathAndAdvice()
    {
        string path = folder.File("promptdfd.db");
        using (var store = new RunStore(path))
        {
            for (int i = 0; i < 50; i++)
                store.Insert(new RunRecord { Id = $"run-{i}", Name = new string('x', 2000), Task = "sentiment", ConfigJson = "{}" });
        }
        // Overwrite the pages after the header, where the run records are kept.
        using (var file = File.OpenWrite(path))
        {
            file.Position = 8192;
            file.Write(Enumerable.Repeat((byte)0x5a, 64 * 1024).ToArray());
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PromptDfd.Web.dll"));
        foreach (string argument in new[] { "--urls", "http://127.0.0.1:0", $"--Dashboard:StoreFile={path}",
            $"--Dashboard:RunsFolder={folder.Path}" })
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        string said = await error + await output;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains(path, said);
        Assert.Contains("move it aside", said, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", said);
    }

    public void Dispose() => folder.Dispose();
}
