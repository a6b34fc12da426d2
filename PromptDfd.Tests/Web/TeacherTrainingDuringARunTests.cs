using Microsoft.Extensions.Options;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Services;

namespace PromptDfd.Tests.Web;

/// <summary>
/// Teacher training reseeds libtorch's process-wide generator, which a run's dropout draws from: on the shared libtorch
/// thread each job keeps its own generator state, so a teacher trained from the dashboard mid-run changes nothing in the run.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class TeacherTrainingDuringARunTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();
    private readonly TorchJobQueue torch = new();

    [Fact]
    public async Task ATeacherTrainedDuringARunLeavesThatRunsCurvesAndSamplesUnchanged()
    {
        CopyTask(TinyRunEnvironment.TaskName, "other");
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment, torch);
        manager.Start();
        var jobs = new TeacherJobs(Options.Create(new DashboardOptions { RepositoryRoot = environment.Root }), torch);
        RunConfig config = TinyRunEnvironment.Config(steps: 20);

        RunRecord alone = await manager.WhenFinished(manager.Submit(config).Id).WaitAsync(TimeSpan.FromMinutes(2));

        // Both wait behind a gate on the libtorch thread, so the teacher starts first and the run's steps fall between
        // the teacher's, however busy the machine is.
        using var gate = new ManualResetEventSlim(false);
        Task gateJob = torch.Invoke("gate", TorchJobPriority.Training, 0, () => gate.Wait(TimeSpan.FromMinutes(1)));
        int? stepWhenTheTeacherWasDone = null;
        RunRecord? run = null;
        // Raised on the libtorch thread, where the run cannot move on, so the step read here is exact.
        jobs.Changed += () =>
        {
            if (jobs.Current is { Status: not TeacherJobStatus.Running }
                && run is not null) stepWhenTheTeacherWasDone ??= store.Get(run.Id)!.Step;
        };
        TeacherJob teacher = jobs.Train("other", new Engine.Training.ClassifierTrainingConfig { Epochs = 3, BatchSize = 2, Seed = 5 });
        run = manager.Submit(config);
        gate.Set();
        await gateJob;
        await teacher.Finished.WaitAsync(TimeSpan.FromMinutes(2));
        RunRecord beside = await manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(teacher.Status == TeacherJobStatus.Completed, teacher.Error);
        Assert.InRange(stepWhenTheTeacherWasDone ?? -1, 1, config.Training.Schedule.Steps - 1);
        Assert.Equal(RunStatus.Completed, beside.Status);
        Assert.Equal(Curves(store, alone.Id), Curves(store, beside.Id));
        Assert.Equal(Samples(store, alone.Id), Samples(store, beside.Id));
    }

    private static List<string> Curves(RunStore store, string id) => store.Metrics(id)
        .Where(m => !Engine.Metrics.MetricNames.IsTiming(m.Name))
        .Select(m => FormattableString.Invariant($"{m.Step} {m.Name} {m.Value:R}")).Order(StringComparer.Ordinal).ToList();

    private static List<string> Samples(RunStore store, string id) =>
        store.AllSamples(id).Select(s => $"{s.Step} {s.Class} {s.Prompt}|{s.Content} {s.TeacherLabel} {s.StudentLabel}").ToList();

    private void CopyTask(string from, string to)
    {
        string source = Path.Combine(environment.Root, "data", "tasks", from), target = Path.Combine(environment.Root, "data", "tasks", to);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }

    public void Dispose()
    {
        torch.Dispose();
        environment.Dispose();
    }
}
