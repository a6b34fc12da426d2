using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Runs;

/// <summary>A run's student starts from random weights or from the body of a language model pre-trained with its shape.</summary>
public sealed class StudentStartTests : IDisposable
{
    private const string BodyFolder = RunConfig.DefaultStudentBody;
    private readonly TinyRunEnvironment environment = new();

    private string SaveBody(long seed, int layers = 1, string? tokenizerFolder = null) =>
        environment.SaveStudentBody(BodyFolder, seed, layers, tokenizerFolder);

    private static RunConfig FromBody(long seed = 1) => TinyRunEnvironment.Config(seed: seed) with { StudentBodyFolder = BodyFolder };

    [Fact]
    public void AStudentStartedFromALanguageModelHasItsBodyAndAHeadDrawnFromTheRunsSeed()
    {
        string folder = SaveBody(seed: 5);
        var body = Checkpoint.LoadLanguageModel(folder).Model.state_dict();

        BuiltRun first = RunBuilder.Build(FromBody(seed: 1), environment.Environment);
        BuiltRun again = RunBuilder.Build(FromBody(seed: 1), environment.Environment);
        BuiltRun otherSeed = RunBuilder.Build(FromBody(seed: 2), environment.Environment);

        var student = first.Student.state_dict();
        var transformer = student.Where(p => p.Key.StartsWith("transformer.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(transformer);
        Assert.All(transformer, p => Assert.True(p.Value.allclose(body[p.Key], rtol: 0, atol: 0), $"{p.Key} is not the starting model's"));
        Assert.True(student["score.weight"].allclose(again.Student.state_dict()["score.weight"], rtol: 0, atol: 0));
        Assert.False(student["score.weight"].allclose(otherSeed.Student.state_dict()["score.weight"], rtol: 0, atol: 0));
        Assert.Equal(Checkpoint.WeightsSha256(folder), first.Hashes["student_body"]);
        Assert.Equal(first.Hashes, RunBuilder.InputHashes(FromBody(), environment.Environment));
    }

    [Fact]
    public void ARandomStudentRecordsNoStartingModelAndDiffersFromOneStartedFromABody()
    {
        SaveBody(seed: 5);

        RunConfig randomConfig = TinyRunEnvironment.Config() with { StudentBodyFolder = "" };
        BuiltRun random = RunBuilder.Build(randomConfig, environment.Environment);
        BuiltRun started = RunBuilder.Build(FromBody(), environment.Environment);

        Assert.DoesNotContain("student_body", random.Hashes.Keys);
        Assert.Equal(random.Hashes, RunBuilder.InputHashes(randomConfig, environment.Environment));
        Assert.False(random.Student.state_dict()["transformer.wte.weight"].allclose(started.Student.state_dict()["transformer.wte.weight"],
            rtol: 0, atol: 0));
    }

    [Fact]
    public void ANewConfigStartsFromTheShippedBodyAndAConfigStoredBeforeThatDefaultReadsBackAsItWasRun()
    {
        var fresh = new RunConfig();
        var old = System.Text.Json.Nodes.JsonNode.Parse(fresh.ToJson())!.AsObject();
        old.Remove(nameof(RunConfig.StudentBodyFolder));
        old[nameof(RunConfig.Training)]!.AsObject().Remove(nameof(MethodConfig.Selection));

        RunConfig stored = RunConfig.FromJson(old.ToJsonString());

        Assert.Equal(("models/student-body", 4), (fresh.StudentBodyFolder, fresh.Training.Selection.Candidates));
        Assert.Equal(fresh.StudentBodyFolder, RunConfig.FromJson(fresh.ToJson()).StudentBodyFolder);
        Assert.Equal(fresh.Training.Selection, RunConfig.FromJson(fresh.ToJson()).Training.Selection);
        Assert.Equal(("", 1), (stored.StudentBodyFolder, stored.Training.Selection.Candidates));
        Assert.Equal(fresh.Training.Schedule, stored.Training.Schedule);
        Assert.Equal("", RunConfig.FromJson((fresh with { StudentBodyFolder = "" }).ToJson()).StudentBodyFolder);
        // How the command line asks for the student from random weights.
        Assert.Equal("", ConfigOverrides.Apply(fresh, ["StudentBodyFolder="]).StudentBodyFolder);
    }

    [Fact]
    public void AStartingModelOfAnotherShapeIsRefusedBeforeQueueingWithTheSettingsThatFit()
    {
        SaveBody(seed: 5, layers: 2);
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment);

        var error = Assert.Throws<ArgumentException>(() => manager.Submit(FromBody()));

        Assert.Contains("The student is 1 layers of width 16", error.Message);
        Assert.Contains("Student.Layers=2, Student.Width=16 and Student.Heads=2", error.Message);
        Assert.Empty(store.All());
    }

    [Fact]
    public void AStartingModelWithAnotherTokenizerAMissingOneOrAClassifierIsRefusedBeforeQueueing()
    {
        using var otherTokenizer = new TemporaryFolder();
        ByteLevelBpeTrainer.Train(Enumerable.Repeat("Quarterly tariffs rose; the harbour's cranes idled all winter long.", 20),
            new BpeTrainerConfig { VocabularySize = 300 }).Save(otherTokenizer.Path);
        int priorVocabulary = Checkpoint.LoadLanguageModel(environment.PriorFolder).Model.Config.VocabularySize;
        Assert.Equal(priorVocabulary, TokenizerFactory.FromFolder(otherTokenizer.Path).VocabularySize);
        SaveBody(seed: 5, tokenizerFolder: otherTokenizer.Path);
        using var store = new RunStore(environment.StorePath);
        using var manager = new RunManager(store, new RunEventHub(), environment.Environment);

        var foreign = Assert.Throws<ArgumentException>(() => manager.Submit(FromBody()));
        var missing = Assert.Throws<ArgumentException>(() => manager.Submit(FromBody() with { StudentBodyFolder = "models/none" }));
        var classifier = Assert.Throws<ArgumentException>(() => manager.Submit(FromBody() with
        {
            StudentBodyFolder = Path.Combine("models", "teachers", TinyRunEnvironment.TaskName)
        }));

        Assert.Contains("uses another tokenizer than the prior", foreign.Message);
        Assert.Contains("No language model at", missing.Message);
        Assert.Contains("StudentBodyFolder", missing.Message);
        Assert.Contains("is a classifier (of negative, positive), not a language model", classifier.Message);
        Assert.Empty(store.All());
    }

    public void Dispose() => environment.Dispose();
}
