using System.Diagnostics;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();

    [Fact]
    public async Task ARunWhoseProcessIsKilledMidRunIsMarkedInterruptedAndResumesWithContinuousCurves()
    {
        const int steps = 120;
        string configFile = Path.Combine(environment.Root, "run.json");
        File.WriteAllText(configFile, TinyRunEnvironment.Config(steps: steps).ToJson());
        using Process process = CommandLine.Start(null, "run", "--root", environment.Root, "--config", configFile, "--threads", "1",
            "--quiet");

        // Watch the checkpoint on disk rather than the store, so polling never competes with the run for the store's lock.
        string runs = Path.Combine(environment.Root, "runs");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (CheckpointStep(runs) < 4)
        {
            if (process.HasExited) Assert.Fail("the run ended before it could be killed: " + process.StandardError.ReadToEnd());
            Assert.True(DateTime.UtcNow < deadline, "no checkpoint within two minutes");
            await Task.Delay(10);
        }
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        string runId;
        int killedAt;
        using (var store = new RunStore(environment.StorePath))
        {
            RunRecord run = Assert.Single(store.All());
            runId = run.Id;
            killedAt = run.Step;
            Assert.Equal(RunStatus.Running, run.Status);
        }
        Assert.True(killedAt < steps, "killed before the end");

        using (var store = new RunStore(environment.StorePath))
        using (var manager = new RunManager(store, new RunEventHub(), environment.Environment))
        {
            manager.Start();
            RunRecord interrupted = store.Get(runId)!;
            Assert.Equal(RunStatus.Interrupted, interrupted.Status);
            manager.Resume(runId);
            RunRecord done;
            try { done = await manager.WhenFinished(runId).WaitAsync(TimeSpan.FromSeconds(120)); }
            catch (TimeoutException)
            {
                var r = store.Get(runId)!; throw new TimeoutException($"run is {r.Status} at step {r.Step}: {r.Error}; events: " +
                    $"{string.Join(" / ", store.Events(runId).TakeLast(5).Select(e => e.Message))}");
            }
            Assert.Equal(RunStatus.Completed, done.Status);
            Assert.Equal(steps, done.Step);
            Assert.Equal(Enumerable.Range(1, steps), store.Metrics(runId, "student/kd_loss").Select(m => m.Step));
            Assert.Equal(steps * 8, store.Samples(runId, new SampleQuery()).Total);
        }
    }

    private static int CheckpointStep(string runs)
    {
        if (!Directory.Exists(runs)) return 0;
        foreach (string state in Directory.GetFiles(runs, "trainer.json", SearchOption.AllDirectories).Where(f =>
            f.Contains($"{Path.DirectorySeparatorChar}checkpoint{Path.DirectorySeparatorChar}")))
        {
            try { return System.Text.Json.JsonDocument.Parse(File.ReadAllText(state)).RootElement.GetProperty("Step").GetInt32(); }
            catch (Exception error) when (error is IOException or System.Text.Json.JsonException) { }
        }
        return 0;
    }

    public void Dispose() => environment.Dispose();
}
