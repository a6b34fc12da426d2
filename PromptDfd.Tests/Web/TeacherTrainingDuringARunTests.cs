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

        RunRecord run = manager.Submit(config);
        await WaitUntil(() => store.Get(run.Id)!.Step >= 1);
        TeacherJob teacher = jobs.Train("other", new Engine.Training.ClassifierTrainingConfig { Epochs = 3, BatchSize = 2, Seed = 5 });
        await teacher.Finished.WaitAsync(TimeSpan.FromMinutes(2));
        int stepWhenTheTeacherWasDone = store.Get(run.Id)!.Step;
        RunRecord beside = await manager.WhenFinished(run.Id).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(teacher.Status == TeacherJobStatus.Completed, teacher.Error);
        Assert.True(stepWhenTheTeacherWasDone < config.Training.Schedule.Steps, "the teacher trained while the run was going");
        Assert.Equal(RunStatus.Completed, beside.Status);
        Assert.Equal(Curves(store, alone.Id), Curves(store, beside.Id));
        Assert.Equal(Samples(store, alone.Id), Samples(store, beside.Id));
    }

    private static List<string> Curves(RunStore store, string id) => store.Metrics(id)
        .Where(m => !m.Name.StartsWith("time/", StringComparison.Ordinal) && !m.Name.StartsWith("throughput/", StringComparison.Ordinal))
        .Select(m => FormattableString.Invariant($"{m.Step} {m.Name} {m.Value:R}")).Order(StringComparer.Ordinal).ToList();

    private static List<string> Samples(RunStore store, string id) =>
        store.AllSamples(id).Select(s => $"{s.Step} {s.Class} {s.Prompt}|{s.Content} {s.TeacherLabel} {s.StudentLabel}").ToList();

    private void CopyTask(string from, string to)
    {
        string source = Path.Combine(environment.Root, "data", "tasks", from), target = Path.Combine(environment.Root, "data", "tasks", to);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the run did not start");
            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        torch.Dispose();
        environment.Dispose();
    }
}
