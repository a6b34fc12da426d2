using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Infrastructure;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class TorchJobQueueTests : IDisposable
{
    private readonly TorchJobQueue queue = new(threads: 1);

    /// <summary>A stepped job that draws one number from libtorch's default generator per step, as dropout does.</summary>
    private static IEnumerable<TorchYield> Draws(List<float> into, int steps, long seed)
    {
        manual_seed(seed);
        for (int i = 0; i < steps; i++)
        {
            into.Add(rand(1).item<float>());
            yield return TorchYield.Next;
        }
    }

    [Fact]
    public async Task JobsTakingTurnsDrawTheSameRandomNumbersAsEachAlone()
    {
        List<float> aloneA = [], aloneB = [];
        await queue.Schedule("a", TorchJobPriority.Training, 0, Draws(aloneA, 20, seed: 1));
        await queue.Schedule("b", TorchJobPriority.Training, 0, Draws(aloneB, 20, seed: 1234));

        List<float> a = [], b = [];
        using var start = new ManualResetEventSlim(false);
        // Both wait behind one gate, so their steps interleave once it opens.
        Task first = queue.Schedule("a", TorchJobPriority.Training, 0, Gated(start, Draws(a, 20, seed: 1)));
        Task second = queue.Schedule("b", TorchJobPriority.Training, 0, Gated(start, Draws(b, 20, seed: 1234)));
        // A whole job that reseeds the process-wide generator in between, as teacher training does.
        Task reseeding = queue.Invoke("reseed", TorchJobPriority.Training, 0, () => manual_seed(99));
        start.Set();
        await Task.WhenAll(first, second, reseeding);

        Assert.Equal(aloneA, a);
        Assert.Equal(aloneB, b);
        Assert.NotEqual(a, b);
    }

    private static IEnumerable<TorchYield> Gated(ManualResetEventSlim gate, IEnumerable<TorchYield> steps)
    {
        while (!gate.IsSet) yield return TorchYield.Until(gate.WaitHandle);
        foreach (TorchYield step in steps) yield return step;
    }

    [Fact]
    public async Task AnInteractiveJobRunsBeforeTheNextStepOfALongJob()
    {
        var order = new List<string>();
        using var running = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        IEnumerable<TorchYield> Long()
        {
            for (int i = 0; i < 3; i++)
            {
                lock (order) order.Add($"step {i}");
                running.Set();
                // The first step holds the thread until the interactive job is queued behind it.
                if (i == 0) release.Wait(TimeSpan.FromSeconds(10));
                yield return TorchYield.Next;
            }
        }
        Task steps = queue.Schedule("long", TorchJobPriority.Training, 0, Long());
        running.Wait(TimeSpan.FromSeconds(10));
        Task<int> interactive = queue.Invoke("playground", TorchJobPriority.Interactive, 0, () =>
            { lock (order) order.Add("interactive"); return 7; });
        release.Set();
        Assert.Equal(7, await interactive);
        await steps;
        Assert.Equal(["step 0", "interactive", "step 1", "step 2"], order);
    }

    [Fact]
    public async Task AWholeJobLetsSteppedJobsTakeTurnsAtItsYieldPoints()
    {
        var order = new List<string>();
        using var scheduled = new ManualResetEventSlim(false);
        IEnumerable<TorchYield> Stepped()
        {
            for (int i = 0; i < 3; i++)
            {
                lock (order) order.Add("run step");
                yield return TorchYield.Next;
            }
        }
        Task whole = queue.Invoke("teacher", TorchJobPriority.Training, 0, () =>
        {
            scheduled.Wait(TimeSpan.FromSeconds(10));
            for (int i = 0; i < 3; i++)
            {
                lock (order) order.Add("teacher step");
                TorchJobQueue.YieldPoint();
            }
        });
        Task stepped = queue.Schedule("run", TorchJobPriority.Training, 0, Stepped());
        scheduled.Set();
        await Task.WhenAll(whole, stepped);
        Assert.Equal(["teacher step", "run step", "teacher step", "run step", "teacher step", "run step"], order);
    }

    [Fact]
    public async Task AFailingJobFailsItsTaskAndTheQueueGoesOn()
    {
        var failing = queue.Invoke<int>("broken", TorchJobPriority.Training, 0, () => throw new InvalidDataException("bad weights"));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => failing);
        Assert.Equal("bad weights", error.Message);
        Assert.Equal(3, await queue.Invoke("next", TorchJobPriority.Training, 0, () => 3));
    }

    public void Dispose() => queue.Dispose();
}
