using static TorchSharp.torch;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>Who goes first when several jobs are ready: a person waiting at the playground, then runs and teachers by turns.</summary>
public enum TorchJobPriority { Training = 0, Interactive = 1 }

/// <summary>
/// What a stepped job says between its slices of work: go on, or wait until one of these handles is set. The queue
/// polls the handles without consuming them, so they must be manual-reset (an event, a semaphore's AvailableWaitHandle).
/// </summary>
public readonly record struct TorchYield(WaitHandle[]? WaitFor)
{
    public static TorchYield Next => default;
    public static TorchYield Until(params WaitHandle[] handles) => new(handles);
}

/// <summary>
/// The one thread of a process that runs libtorch work: runs, teacher training and playground generation. Dispose
/// scopes and no-grad are per thread and libtorch's default generator (which dropout draws from) is per process, so
/// jobs on several threads would disturb each other's random streams; here every job keeps a generator state of its
/// own, set before each of its slices and read back after, so a run's curves do not depend on what else ran.
/// <para>
/// A stepped job (an iterator) is resumed one step at a time. A whole job runs to its end, but may call
/// <see cref="YieldPoint"/> between its steps (outside any dispose scope or no-grad block) to let ready stepped and
/// interactive jobs take a slice, so a teacher training for minutes neither stalls a run nor the playground.
/// </para>
/// </summary>
public sealed class TorchJobQueue : IDisposable
{
    [ThreadStatic] private static TorchJobQueue? current;
    private readonly List<Job> jobs = [];
    private readonly AutoResetEvent wake = new(false);
    private readonly Thread thread;
    private readonly int threads;
    private volatile bool stopping;
    private long turn;
    private bool nested;

    public TorchJobQueue(int threads = 0, string name = "PromptDfd libtorch")
    {
        this.threads = threads;
        thread = new Thread(Loop) { Name = name, IsBackground = true };
        thread.Start();
    }

    /// <summary>Queues an iterator that does one step of work per MoveNext; completes when it ends or throws.</summary>
    public Task Schedule(string name, TorchJobPriority priority, long seed, IEnumerable<TorchYield> steps) =>
        Add(new Job(name, priority, seed, steps.GetEnumerator(), null)).Completion.Task;

    /// <summary>Runs <paramref name="work"/> whole on the libtorch thread.</summary>
    public async Task<T> Invoke<T>(string name, TorchJobPriority priority, long seed, Func<T> work)
    {
        T result = default!;
        await Add(new Job(name, priority, seed, null, () => result = work())).Completion.Task.ConfigureAwait(false);
        return result;
    }

    public Task Invoke(string name, TorchJobPriority priority, long seed, Action work) =>
        Add(new Job(name, priority, seed, null, work)).Completion.Task;

    /// <summary>
    /// Lets ready stepped and interactive jobs take one slice each when called from a whole job on a queue's thread;
    /// does nothing anywhere else (a command-line process trains its teacher on its own main thread).
    /// </summary>
    public static void YieldPoint()
    {
        if (current is not { } queue || queue.nested) return;
        if (!is_grad_enabled()) throw new InvalidOperationException("A yield point inside no-grad would run other jobs without " +
            "gradients; call it between steps.");
        queue.nested = true;
        try
        {
            using Tensor callerState = random.get_rng_state();
            var served = new HashSet<Job>();
            while (queue.Next(j => j.Steps is not null || j.Priority == TorchJobPriority.Interactive, served) is { } job)
            {
                served.Add(job);
                queue.RunSlice(job);
            }
            random.set_rng_state(callerState);
        }
        finally
        {
            queue.nested = false;
        }
    }

    private Job Add(Job job)
    {
        ObjectDisposedException.ThrowIf(stopping, this);
        lock (jobs) jobs.Add(job);
        wake.Set();
        return job;
    }

    private void Loop()
    {
        current = this;
        TorchRuntime.ConfigureThreads(threads);
        while (!stopping)
        {
            if (Next(_ => true, []) is { } job) RunSlice(job);
            else WaitForWork();
        }
        lock (jobs)
        {
            foreach (Job left in jobs) left.Abandon(new ObjectDisposedException(nameof(TorchJobQueue),
                "The libtorch thread stopped before this job finished."));
            jobs.Clear();
        }
    }

    /// <summary>The ready job of highest priority that has waited longest for its turn.</summary>
    private Job? Next(Func<Job, bool> eligible, HashSet<Job> served)
    {
        lock (jobs)
        {
            return jobs.Where(j => !j.Busy && !served.Contains(j) && eligible(j) && j.IsReady())
                .OrderByDescending(j => j.Priority).ThenBy(j => j.LastTurn).FirstOrDefault();
        }
    }

    private void RunSlice(Job job)
    {
        job.Busy = true;
        job.LastTurn = ++turn;
        try
        {
            if (job.GeneratorState is null) manual_seed(job.Seed);
            else random.set_rng_state(job.GeneratorState);
            bool more;
            try
            {
                more = job.Advance();
            }
            catch (Exception error)
            {
                Finish(job, error);
                return;
            }
            job.GeneratorState?.Dispose();
            job.GeneratorState = random.get_rng_state();
            if (!more) Finish(job, null);
        }
        finally
        {
            job.Busy = false;
        }
    }

    private void Finish(Job job, Exception? error)
    {
        lock (jobs) jobs.Remove(job);
        job.GeneratorState?.Dispose();
        job.GeneratorState = null;
        job.Steps?.Dispose();
        if (error is null) job.Completion.TrySetResult();
        else job.Completion.TrySetException(error);
    }

    private void WaitForWork()
    {
        WaitHandle[] handles;
        lock (jobs) handles = [wake, .. jobs.Where(j => j.WaitFor is not null).SelectMany(j => j.WaitFor!).Distinct().Take(60)];
        // A job's handles may be shared or many; the timeout re-checks them all anyway.
        WaitHandle.WaitAny(handles, TimeSpan.FromMilliseconds(500));
    }

    public void Dispose()
    {
        if (stopping) return;
        stopping = true;
        wake.Set();
        if (Thread.CurrentThread != thread) thread.Join(TimeSpan.FromSeconds(60));
    }

    private sealed class Job(string name, TorchJobPriority priority, long seed, IEnumerator<TorchYield>? steps, Action? whole)
    {
        public string Name { get; } = name;
        public TorchJobPriority Priority { get; } = priority;
        public long Seed { get; } = seed;
        public IEnumerator<TorchYield>? Steps { get; } = steps;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Tensor? GeneratorState { get; set; }
        public WaitHandle[]? WaitFor { get; private set; }
        public bool Busy { get; set; }
        public long LastTurn { get; set; }

        public bool IsReady()
        {
            if (WaitFor is not null && WaitHandle.WaitAny(WaitFor, 0) == WaitHandle.WaitTimeout) return false;
            WaitFor = null;
            return true;
        }

        /// <summary>Does one slice; false when the job has ended.</summary>
        public bool Advance()
        {
            WaitFor = null;
            if (Steps is null)
            {
                whole!();
                return false;
            }
            if (!Steps.MoveNext()) return false;
            WaitFor = Steps.Current.WaitFor;
            return true;
        }

        public void Abandon(Exception error)
        {
            GeneratorState?.Dispose();
            try { Steps?.Dispose(); } catch (Exception) when (error is not null) { }
            Completion.TrySetException(error);
        }

        public override string ToString() => Name;
    }
}
