using System.Text.Json;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Runs;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Cli;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class PretrainCommandTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();

    [Fact]
    public async Task InitContinuesAFinishedModelWithItsShapeAndTheCardSaysFromWhich()
    {
        string corpus = WriteCorpus();
        string prior = Path.Combine(environment.Root, "models", "prior"), output = Path.Combine(environment.Root, "continued");

        var (exitCode, error) = await CommandLine.RunAsync(environment.Root, "pretrain", "--corpus", corpus, "--tokenizer",
            Path.Combine(environment.Root, "tokenizer"), "--init", prior, "--out", output, "--steps", "3", "--batch", "2", "--eval-every",
            "3", "--checkpoint-every", "3", "--threads", "1");

        Assert.True(exitCode == 0, error);
        LoadedLanguageModel start = Checkpoint.LoadLanguageModel(prior), continued = Checkpoint.LoadLanguageModel(output);
        Assert.Equal(start.Model.Config, continued.Model.Config);
        Assert.NotEqual(start.WeightsSha256, continued.WeightsSha256);
        using (no_grad())
        {
            // Three small steps move a trained model a little; a fresh initialisation would be far from it.
            var before = start.Model.state_dict();
            foreach (var (name, after) in continued.Model.state_dict())
                Assert.True((after - before[name]).abs().max().item<float>() < 0.05f, name);
        }
        string card = File.ReadAllText(Path.Combine(output, "card.md"));
        Assert.Contains($"Continued by our own code from {prior} (weights SHA-256 {start.WeightsSha256[..16]}", card);
        Assert.Contains($"--init {prior}", card);
        Assert.Contains("data --prior-sources dictionary", card);
    }

    [Fact]
    public async Task AStudentBodyIsWrittenForTheStudentsShapeAndItsCardRepeatsItWithoutRetrainingTheTokenizer()
    {
        string corpus = WriteCorpus(), output = Path.Combine(environment.Root, "models", "student-body-2");

        var (exitCode, error) = await CommandLine.RunAsync(environment.Root, "pretrain", "--student", "--corpus", corpus, "--tokenizer",
            Path.Combine(environment.Root, "tokenizer"), "--out", output, "--layers", "1", "--width", "16", "--heads", "2", "--context",
            "32", "--steps", "2", "--batch", "2", "--eval-every", "2", "--checkpoint-every", "2", "--threads", "1");

        Assert.True(exitCode == 0, error);
        RunConfig config = TinyRunEnvironment.Config() with { StudentBodyFolder = "models/student-body-2" };
        Assert.Null(StudentStart.Problem(config, environment.Environment));
        Assert.Equal(Checkpoint.WeightsSha256(output), RunBuilder.Build(config, environment.Environment).Hashes["student_body"]);
        string card = File.ReadAllText(Path.Combine(output, "card.md"));
        Assert.Contains("# Student body", card);
        Assert.Contains($"pretrain --student --corpus {corpus} --out {output} --steps 2", card);
        Assert.Contains($"--prior-out {corpus}", card);
        Assert.DoesNotContain("tokenizer --vocab", card);
    }

    [Fact]
    public async Task AShapeGivenWithInitIsRefusedInsteadOfIgnored()
    {
        string corpus = WriteCorpus();

        var (exitCode, error) = await CommandLine.RunAsync(environment.Root, "pretrain", "--corpus", corpus, "--tokenizer",
            Path.Combine(environment.Root, "tokenizer"), "--init", Path.Combine(environment.Root, "models", "prior"), "--layers", "6",
            "--out", Path.Combine(environment.Root, "continued"));

        Assert.Equal(2, exitCode);
        Assert.Contains("leave out --layers", error);
        Assert.False(Directory.Exists(Path.Combine(environment.Root, "continued")));
    }

    private string WriteCorpus()
    {
        string folder = Path.Combine(environment.Root, "corpus");
        Directory.CreateDirectory(folder);
        string[] sentences = ["apple: the fruit of a tree.", "the movie was wonderful and the food was great.",
            "ship: a large boat for the sea.", "the service was slow and the actors were terrible."];
        var lines = Enumerable.Range(0, 40).Select(i =>
            JsonSerializer.Serialize(new PriorDocument("dictionary", string.Join(' ', Enumerable.Repeat(sentences[i % 4], 6)))));
        File.WriteAllLines(Path.Combine(folder, PriorCorpus.TrainFile), lines);
        File.WriteAllLines(Path.Combine(folder, PriorCorpus.ValidFile), lines.Take(4));
        return folder;
    }

    public void Dispose() => environment.Dispose();
}
