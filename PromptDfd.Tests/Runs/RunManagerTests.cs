using System.Text.RegularExpressions;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class RunManagerTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private (RunManager Manager, RunStore Store) Start()
    {
        var store = new RunStore(environment.StorePath);
        var manager = new RunManager(store, new RunEventHub(), environment.Environment);
        manager.Start();
        return (manager, store);
    }

    private static async Task<RunRecord> Finished(RunManager manager, string id) => await manager.WhenFinished(id).WaitAsync(Patience);

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ASubmittedRunCompletesWithItsProvenanceCurvesSamplesAndStudent()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            using var subscription = manager.Hub.Subscribe();
            RunRecord run = manager.Submit(TinyRunEnvironment.Config(steps: 4));
            RunRecord done = await Finished(manager, run.Id);
            Assert.Equal(RunStatus.Completed, done.Status);
            Assert.Equal(4, done.Step);
            Assert.Equal(["prior", "student_body", "task", "teacher", "tokenizer"], done.Hashes.Keys.Order());
            Assert.All(done.Hashes.Values.Where(v => v.Length > 0), h => Assert.Equal(64, h.Length));
            Assert.False(string.IsNullOrEmpty(done.CodeVersion));
            Assert.Matches(@"^libtorch 2\.[^;]*threads: \d+[^;]*CPU: .+$", done.Runtime);
            Assert.Equal(TinyRunEnvironment.Config(steps: 4).Training.Seed, done.Seed);
            Assert.Equal([0, 3, 4], store.Metrics(run.Id, "student/accuracy").Select(m => m.Step));
            Assert.Equal(32, store.Samples(run.Id, new SampleQuery()).Total);
            Assert.True(File.Exists(Path.Combine(done.StudentFolder!, "model.safetensors")));
            Assert.True(subscription.Reader.Count > 0, "subscribers receive the run's updates");
        }
    }

    [Fact]
    public async Task AFinishedRunStandsForItsConfigOnlyWhileTheModelsItReadAreUnchanged()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            RunConfig config = RunBuilder.Complete(TinyRunEnvironment.Config(steps: 2), environment.Environment);
            RunRecord done = await Finished(manager, manager.Submit(config).Id);
            Assert.Equal(done.Id, FinishedRuns.Matching(store.All(), config, environment.Environment)?.Id);
            Assert.Null(FinishedRuns.Matching(store.All(), config with { Training = config.Training with { Seed = 2 } },
                environment.Environment));

            // A run made before a setting existed does not stand for a config that has it (its default may change
            // what a run does); a setting since dropped does not matter.
            var written = System.Text.Json.Nodes.JsonNode.Parse(done.ConfigJson)!.AsObject();
            written["Training"]!["Prompter"]!.AsObject().Remove("VariableLength");
            RunRecord older = new()
            {
                Id = "older",
                Status = RunStatus.Completed,
                ConfigJson = written.ToJsonString(),
                Hashes = done.Hashes
            };
            Assert.Null(FinishedRuns.Matching([older], config, environment.Environment));
            written["Training"]!["Prompter"]!["VariableLength"] = config.Training.Prompter.VariableLength;
            written["Training"]!["RetiredOption"] = 3;
            older.ConfigJson = written.ToJsonString();
            Assert.Equal("older", FinishedRuns.Matching([older], config, environment.Environment)?.Id);

            // Where a run executed does not change what it computed: a run from before workers had kinds, or of another
            // kind, answers a config pinned to one.
            written.Remove(nameof(RunConfig.WorkerKind));
            older.ConfigJson = written.ToJsonString();
            Assert.Equal("older", FinishedRuns.Matching([older], config with { WorkerKind = "gpu" }, environment.Environment)?.Id);

            environment.RetrainTeacher(seed: 99);
            Assert.Null(FinishedRuns.Matching(store.All(), config, environment.Environment));
        }
    }

    [Fact]
    public async Task PauseHoldsTheRunBetweenStepsAndResumeFinishesIt()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            // Long enough (80 tiny steps, about 3 s) that the run cannot finish between the store showing step 1 and the pause.
            RunRecord run = manager.Submit(TinyRunEnvironment.Config(steps: 80));
            await WaitUntil(() => store.Get(run.Id)!.Status == RunStatus.Running && store.Get(run.Id)!.Step >= 1);
            manager.Pause(run.Id);
            await WaitUntil(() => store.Get(run.Id)!.Status == RunStatus.Paused);
            int pausedAt = store.Get(run.Id)!.Step;
            await Task.Delay(300);
            Assert.Equal(pausedAt, store.Get(run.Id)!.Step);
            manager.Resume(run.Id);
            RunRecord done = await Finished(manager, run.Id);
            Assert.Equal(RunStatus.Completed, done.Status);
            Assert.Equal(80, done.Step);
        }
    }

    [Fact]
    public async Task ANameTagsAndStarGivenWhileTheRunTrainsOutlastItsLaterSteps()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            RunRecord run = manager.Submit(TinyRunEnvironment.Config(steps: 40));
            await WaitUntil(() => store.Get(run.Id)!.Status == RunStatus.Running && store.Get(run.Id)!.Step >= 1);
            manager.UpdateAnnotations(run.Id, tags: ["kept"], notes: "written mid-run", starred: true, name: "renamed mid-run");
            RunRecord done = await Finished(manager, run.Id);
            Assert.Equal(RunStatus.Completed, done.Status);
            Assert.Equal(("renamed mid-run", "written mid-run", true), (done.Name, done.Notes, done.Starred));
            Assert.Equal(["kept"], done.Tags);
        }
    }

    /// <summary>A 300-step run cancelled once the store shows step 3; cancelling saves a checkpoint at the step reached.</summary>
    private static async Task<RunRecord> CancelledAfterThreeSteps(RunManager manager, RunStore store)
    {
        RunRecord run = manager.Submit(TinyRunEnvironment.Config(steps: 300));
        await WaitUntil(() => store.Get(run.Id)!.Step >= 3);
        manager.Cancel(run.Id);
        return await Finished(manager, run.Id);
    }

    [Fact]
    public async Task CancelStopsGracefullyWithACheckpointAndTheRunCanBeResumedWithContinuousCurves()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            RunRecord cancelled = await CancelledAfterThreeSteps(manager, store);
            Assert.Equal(RunStatus.Cancelled, cancelled.Status);
            Assert.Equal(cancelled.Step, cancelled.CheckpointStep);
            Assert.True(cancelled.CanResume);

            manager.Resume(cancelled.Id);
            RunRecord done = await Finished(manager, cancelled.Id);
            Assert.Equal(RunStatus.Completed, done.Status);
            Assert.Equal(Enumerable.Range(1, 300), store.Metrics(cancelled.Id, "student/kd_loss").Select(m => m.Step));
        }
    }

    [Fact]
    public async Task ARunWhoseTeacherChangedSinceItStartedRefusesToResumeUntilTheOriginalIsBack()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            RunRecord cancelled = await CancelledAfterThreeSteps(manager, store);
            string teacherHash = cancelled.Hashes["teacher"];

            environment.RetrainTeacher(seed: 99);
            manager.Resume(cancelled.Id);
            RunRecord refused = await Finished(manager, cancelled.Id);
            Assert.Equal(RunStatus.Failed, refused.Status);
            Assert.Contains($"teacher {teacherHash[..12]} then", refused.Error);
            Assert.Equal(teacherHash, refused.Hashes["teacher"]);
            Assert.Equal(cancelled.CheckpointStep, refused.CheckpointStep);
            Assert.True(refused.CanResume);

            environment.RetrainTeacher(seed: 21);
            manager.Resume(cancelled.Id);
            RunRecord done = await Finished(manager, cancelled.Id);
            Assert.Equal(RunStatus.Completed, done.Status);
            Assert.Null(done.Error);
            Assert.Equal(teacherHash, done.Hashes["teacher"]);
            Assert.Equal(Enumerable.Range(1, 300), store.Metrics(cancelled.Id, "student/kd_loss").Select(m => m.Step));
        }
    }

    [Fact]
    public async Task ARunLeftRunningByADeadProcessIsMarkedInterruptedAndResumesFromItsCheckpoint()
    {
        string id;
        {
            var (manager, store) = Start();
            using (store)
            using (manager)
            {
                id = manager.Submit(TinyRunEnvironment.Config(steps: 8)).Id;
                await Finished(manager, id);
            }
        }
        // Rewind the finished run to how a killed process leaves it: status running, checkpoint at step 4, curves written up to step 5.
        string checkpoint;
        using (var store = new RunStore(environment.StorePath))
        {
            var run = store.Get(id)!;
            checkpoint = run.CheckpointFolder!;
            var config = run.Config;
            var built = RunBuilder.Build(config, environment.Environment);
            var trainer = new DistillationTrainer(config.Training, built.Models, _ => { }, built.Task.Splits.Train);
            for (int i = 0; i < 4; i++) trainer.RunStep();
            trainer.SaveCheckpoint(checkpoint);
            store.DeleteAfter(id, 5);
            run.Status = RunStatus.Running;
            run.Step = 5;
            run.CheckpointStep = 2; // the kill fell after the step-4 checkpoint was saved, before the record said so
            run.Owner = "another-machine:1:1";
            run.Runtime = "libtorch 2.0.0, threads: 8, CPU: another machine";
            store.Update(run);
        }
        {
            var (manager, store) = Start();
            using (store)
            using (manager)
            {
                Assert.Equal(RunStatus.Interrupted, store.Get(id)!.Status);
                manager.Resume(id);
                RunRecord done = await Finished(manager, id);
                Assert.Equal(RunStatus.Completed, done.Status);
                Assert.Equal(Enumerable.Range(1, 8), store.Metrics(id, "student/kd_loss").Select(m => m.Step));
                Assert.Contains(store.Events(id, RunEventKinds.Status), e => e.Message == "resumed from the checkpoint at step 4");
                // Its curves now come from two runtimes; the record keeps both. The thread count is process-wide and other
                // tests running in parallel set their own, so it is left out of the comparison.
                Assert.Equal(
                    WithoutThreadCount($"libtorch 2.0.0, threads: 8, CPU: another machine; resumed with {TorchRuntime.Describe()}"),
                    WithoutThreadCount(done.Runtime!));
            }
        }
    }

    [Fact]
    public async Task SteeringIsValidatedRecordedAsAnEventAndReplayedByAClone()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            RunRecord run = manager.Submit(TinyRunEnvironment.Config(steps: 300));
            await WaitUntil(() => store.Get(run.Id)!.Step >= 1);
            Assert.Throws<ArgumentException>(() => manager.Steer(run.Id, new SteeringCommand(SteeringAction.Pin, "neutral", "hi")));
            manager.Steer(run.Id, new SteeringCommand(SteeringAction.Pin, "positive", "Great actors"));
            await WaitUntil(() => store.Samples(run.Id, new SampleQuery { Take = 1000 }).Items.Any(s => s.Origin == "Pinned"));
            manager.Cancel(run.Id);
            await Finished(manager, run.Id);
            var steering = store.Events(run.Id, RunEventKinds.Steering);
            Assert.Single(steering);
            Assert.Contains("Great actors", steering[0].Message);

            RunRecord replay = manager.Replay(run.Id);
            Assert.Equal(run.Id, replay.ParentId);
            Assert.Single(replay.Config.Training.Steering);
            Assert.Equal(steering[0].Step, replay.Config.Training.Steering[0].Step);
            manager.Cancel(replay.Id);
            await Finished(manager, replay.Id);
        }
    }

    [Fact]
    public async Task ClonesOfARunAreNumberedAndAnyRunCanBeRenamed()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            RunRecord run = manager.Submit(TinyRunEnvironment.Config(steps: 2) with { Name = "baseline" });
            await Finished(manager, run.Id);
            RunRecord first = manager.Clone(run.Id), second = manager.Clone(run.Id);
            Assert.Equal(("baseline · clone 1", "baseline · clone 2"), (first.Name, second.Name));

            manager.UpdateAnnotations(second.Id, name: "  higher lr  ");
            Assert.Equal("higher lr", store.Get(second.Id)!.Name);
            Assert.Contains("must be 1 to 200 characters", Assert.Throws<ArgumentException>(() =>
                manager.UpdateAnnotations(second.Id, name: " ")).Message);
            Assert.Equal("higher lr", store.Get(second.Id)!.Name);
            await Finished(manager, first.Id);
            await Finished(manager, second.Id);
        }
    }

    [Fact]
    public void InvalidRunsAreRejectedBeforeTheyAreQueued()
    {
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            Assert.Contains("no teacher", Assert.Throws<ArgumentException>(() =>
                manager.Submit(TinyRunEnvironment.Config() with { Task = "missing" })).Message);
            Assert.Contains("No language prior", Assert.Throws<ArgumentException>(() =>
                manager.Submit(TinyRunEnvironment.Config() with { PriorFolder = "nowhere" })).Message);
            Assert.Contains("Device", Assert.Throws<ArgumentException>(() =>
                manager.Submit(TinyRunEnvironment.Config() with { Device = "abacus" })).Message);
            var config = TinyRunEnvironment.Config();
            Assert.Contains("Steps must be at least 1", Assert.Throws<ArgumentException>(() =>
                manager.Submit(config with
                {
                    Training = config.Training with
                    {
                        Schedule = config.Training.Schedule with { Steps = 0 }
                    }
                })).Message);
            Assert.Contains("exceed the prior's context of 32", Assert.Throws<ArgumentException>(() =>
                manager.Submit(config with
                {
                    Training = config.Training with
                    {
                        Content = config.Training.Content with { MaxNewTokens = 40 }
                    }
                })).Message);
            Assert.Empty(store.All());
        }
    }

    [Fact]
    public async Task ACorruptTeacherFailsTheRunWithTheFileNamedAndLosesNothingElse()
    {
        string weights = Path.Combine(environment.Root, "models", "teachers", TinyRunEnvironment.TaskName, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..100]);
        var (manager, store) = Start();
        using (store)
        using (manager)
        {
            RunRecord done = await Finished(manager, manager.Submit(TinyRunEnvironment.Config()).Id);
            Assert.Equal(RunStatus.Failed, done.Status);
            Assert.Contains("model.safetensors", done.Error);
            Assert.Contains(store.Events(done.Id, RunEventKinds.Status), e => e.Message.StartsWith("failed"));
        }
    }

    public void Dispose() => environment.Dispose();

    private static string WithoutThreadCount(string runtime) => Regex.Replace(runtime, @"threads: \d+", "threads: N");
}
