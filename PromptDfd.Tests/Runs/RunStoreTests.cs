using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Runs;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class RunStoreTests
{
    private static RunRecord Run(string id, string task, string preset, RunStatus status, double? accuracy, params string[] tags) => new()
    {
        Id = id,
        Name = $"{preset} on {task}",
        Task = task,
        Preset = preset,
        Method = preset,
        Status = status,
        ReportedAccuracy = accuracy,
        Tags =
            [.. tags],
        CreatedAt = DateTime.UtcNow.AddMinutes(-id.Length),
        ConfigJson = RunPresets.Create(preset, task, 1).ToJson(),
    };

    [Fact]
    public void SearchTextFindsRunsWhoseNotesAreEmpty()
    {
        using var folder = new TemporaryFolder();
        using var store = new RunStore(folder.File("runs.db"));
        var run = Run("a", "sentiment", "promptdfd", RunStatus.Completed, 0.8);
        run.Notes = null!;
        store.Insert(run);
        Assert.Equal(["a"], store.Query(new RunQuery { Text = "sentiment" }).Items.Select(r => r.Id));
        Assert.Empty(store.Query(new RunQuery { Text = "genre" }).Items);
    }

    [Fact]
    public void RunsAreFilteredSortedAndPagedOnTheServer()
    {
        using var folder = new TemporaryFolder();
        using var store = new RunStore(folder.File("runs.db"));
        store.Insert(Run("a", "sentiment", "promptdfd", RunStatus.Completed, 0.8, "paper"));
        store.Insert(Run("bb", "sentiment", "random-text", RunStatus.Completed, 0.5));
        store.Insert(Run("ccc", "genre", "promptdfd", RunStatus.Failed, null, "paper"));
        store.Insert(Run("dddd", "genre", "as-dfd", RunStatus.Running, 0.4));

        Assert.Equal(["a", "ccc"], store.Query(new RunQuery { Method = "promptdfd", SortBy = "Name", Descending = false }).Items.Select(r =>
            r.Id).Order());
        Assert.Equal(["a", "bb"], store.Query(new RunQuery { Task = "sentiment" }).Items.Select(r => r.Id).Order());
        Assert.Equal(["a", "ccc"], store.Query(new RunQuery { Tag = "paper" }).Items.Select(r => r.Id).Order());
        Assert.Equal(["dddd"], store.Query(new RunQuery { Status = RunStatus.Running }).Items.Select(r => r.Id));
        Assert.Equal(["dddd"], store.Query(new RunQuery { ConfigFilter = "Training.Method=AsDfd" }).Items.Select(r => r.Id));
        Assert.Equal(["a", "bb", "dddd"], store.Query(new RunQuery { SortBy = "ReportedAccuracy" }).Items.Take(3).Select(r => r.Id));
        var page = store.Query(new RunQuery { SortBy = "ReportedAccuracy", Skip = 2, Take = 1 });
        Assert.Equal(4, page.Total);
        Assert.Equal(["dddd"], page.Items.Select(r => r.Id));
        Assert.Equal(["a"], store.Query(new RunQuery { MinimumAccuracy = 0.7 }).Items.Select(r => r.Id));
    }

    [Fact]
    public void SamplesArePagedNewestFirstAndFilteredByStepIntendedClassTeacherLabelDisagreementAndText()
    {
        using var folder = new TemporaryFolder();
        using var store = new RunStore(folder.File("runs.db"));
        var samples = Enumerable.Range(0, 250).Select(i => new SampleRecord
        {
            RunId = "r",
            Step = i / 10,
            Class = i % 2 == 0 ? "positive" : "negative",
            Prompt = "p",
            Content = i % 50 == 0
                ? "a whale" : "text",
            TeacherLabel = "positive",
            StudentLabel = i % 3 == 0 ? "negative" : "positive",
        }).ToList();
        store.Append([], samples, []);
        var page = store.Samples("r", new SampleQuery { Take = 20 });
        Assert.Equal(250, page.Total);
        Assert.Equal(24, page.Items[0].Step);
        Assert.Equal(10, store.Samples("r", new SampleQuery { Step = 3 }).Total);
        Assert.Equal(5, store.Samples("r", new SampleQuery { Step = 3, IntendedClass = "negative" }).Total);
        // The teacher read every sample as positive, so a teacher-label filter and the intended class are not the same question.
        Assert.Equal(0, store.Samples("r", new SampleQuery { TeacherLabel = "negative" }).Total);
        Assert.Equal(125, store.Samples("r", new SampleQuery { IntendedClass = "positive", TeacherLabel = "positive" }).Total);
        Assert.Equal(125, store.Samples("r", new SampleQuery { Disagreement = SampleDisagreement.TeacherAndIntended }).Total);
        Assert.Equal(84, store.Samples("r", new SampleQuery { Disagreement = SampleDisagreement.StudentAndTeacher }).Total);
        Assert.Equal(5, store.Samples("r", new SampleQuery { Text = "WHALE" }).Total);
        Assert.Equal(0, store.Samples("other", new SampleQuery()).Total);
        Assert.Equal([249, 248, 247], store.Samples("r", new SampleQuery { Skip = 0, Take = 3 }).Items.Select(s => (int)s.Id - 1));
    }

    [Fact]
    public void ASampleSearchMeansItsCharactersLiterallyAndIgnoresCaseInThePromptAndTheContent()
    {
        using var folder = new TemporaryFolder();
        using var store = new RunStore(folder.File("runs.db"));
        store.Append([], new[] { ("Save", "50% now"), ("Save", "500 now"), ("a_b", "end"), ("axb", "end"), ("The END", "") }
            .Select(t => new SampleRecord { RunId = "r", Prompt = t.Item1, Content = t.Item2 }).ToList(), []);
        Assert.Equal(["50% now"], store.Samples("r", new SampleQuery { Text = "50%" }).Items.Select(s => s.Content));
        Assert.Equal(["a_b"], store.Samples("r", new SampleQuery { Text = "A_B" }).Items.Select(s => s.Prompt));
        Assert.Equal(3, store.Samples("r", new SampleQuery { Text = "end" }).Total);
        // Prompt and content are searched as one text.
        Assert.Equal(2, store.Samples("r", new SampleQuery { Text = "save5" }).Total);
    }

    [Fact]
    public void DeleteAfterForgetsWhatARunWroteAfterItsCheckpoint()
    {
        using var folder = new TemporaryFolder();
        using var store = new RunStore(folder.File("runs.db"));
        store.Append(Enumerable.Range(1, 10).Select(s => new MetricPoint { RunId = "r", Step = s, Name = "m", Value = s }).ToList(), [],
            [new RunEventRecord { RunId = "r", Step = 9, Kind = RunEventKinds.Status, Message = "interrupted" },
                new RunEventRecord { RunId = "r", Step = 9, Kind = RunEventKinds.Log, Message = "x" }]);
        store.DeleteAfter("r", 6);
        Assert.Equal([1, 2, 3, 4, 5, 6], store.Metrics("r").Select(m => m.Step));
        Assert.Equal([RunEventKinds.Status], store.Events("r").Select(e => e.Kind));
    }

    [Fact]
    public void ACorruptStoreFileGetsAnErrorThatSaysWhatToDo()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("runs.db"), Enumerable.Range(0, 20000).Select(i => (byte)(i * 7)).ToArray());
        var error = Assert.ThrowsAny<Exception>(() => new RunStore(folder.File("runs.db")).Dispose());
        Assert.Contains("move it aside", error.Message);
    }

    [Fact]
    public void AStorePathThatNamesSomeOtherFileIsRefusedAndTheFileLeftAsItWas()
    {
        using var folder = new TemporaryFolder();
        string notes = folder.File("notes.txt");
        File.WriteAllText(notes, "my experiment notes");
        var error = Assert.Throws<InvalidDataException>(() => new RunStore(notes).Dispose());
        Assert.Contains("is not a run store", error.Message);
        Assert.Equal("my experiment notes", File.ReadAllText(notes));

        // An empty file, or one a store was made in before, opens as usual.
        File.WriteAllText(folder.File("empty.db"), "");
        new RunStore(folder.File("empty.db")).Dispose();
        using (var store = new RunStore(folder.File("runs.db"))) store.Insert(Run("a", "sentiment", "promptdfd", RunStatus.Completed, 0.8));
        using (var reopened = new RunStore(folder.File("runs.db"))) Assert.NotNull(reopened.Get("a"));
    }

    [Fact]
    public void TheReportedAccuracyIsTheMeanOfTheLastThreeEvaluationsAndOldRunsGetItWhenTheStoreOpens()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("runs.db");
        using (var store = new RunStore(path))
        {
            var run = Run("old", "sentiment", "promptdfd", RunStatus.Completed, null);
            run.LastAccuracy = 0.9;
            store.Insert(run);
            // Step 0 is the untrained student; the best (0.95) is not what a run reports.
            store.Append([Point("old", 0, 0.5), Point("old", 10, 0.95), Point("old", 20, 0.6), Point("old", 30, 0.7),
                Point("old", 40, 0.9)], [], []);
        }
        using (var reopened = new RunStore(path))
            Assert.Equal(0.7333, reopened.Get("old")!.ReportedAccuracy!.Value, 4);
        Assert.Null(ReportedAccuracy.Of([Point("x", 0, 0.5)]));
        Assert.Equal(0.8, ReportedAccuracy.Of([Point("x", 0, 0.1), Point("x", 5, 0.8)])!.Value, 6);
    }

    private static MetricPoint Point(string run, int step, double value) =>
        new() { RunId = run, Name = MetricNames.StudentAccuracy, Step = step, Value = value };

    [Fact]
    public void ASamplesContentKeepsItsLeadingSpaceSoPromptAndContentJoinAsTheModelsWroteThem()
    {
        using var folder = new TemporaryFolder();
        using var store = new RunStore(folder.File("runs.db"));
        store.Append([], [new SampleRecord { RunId = "r", Prompt = "I loved this movie", Content = " and its music " }], []);
        SampleRecord stored = Assert.Single(store.AllSamples("r"));
        Assert.Equal("I loved this movie and its music ", stored.Prompt + stored.Content);
        Assert.Equal(1, store.Samples("r", new SampleQuery { Text = "movie and" }).Total);
    }
}
