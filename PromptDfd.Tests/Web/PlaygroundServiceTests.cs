using Microsoft.Extensions.Options;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Services;

namespace PromptDfd.Tests.Web;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class PlaygroundServiceTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();
    private readonly TorchJobQueue torch = new();

    [Fact]
    public async Task ATeacherRetrainedWhileTheDashboardRunsLabelsTheNextSamples()
    {
        var playground = new PlaygroundService(Options.Create(new DashboardOptions { RepositoryRoot = environment.Root }), torch);
        var request = new PlaygroundRequest(TinyRunEnvironment.TaskName, "The food was", 4,
            Path.Combine(environment.Root, "models", "prior"), null, ContentTokens: 8, Seed: 3);

        var first = await playground.Generate(request);
        Assert.Equal(first.Select(s => s.TeacherConfidence), (await playground.Generate(request)).Select(s => s.TeacherConfidence));

        environment.RetrainTeacher(seed: 99);
        var afterRetraining = await playground.Generate(request);
        Assert.Equal(first.Select(s => s.Content), afterRetraining.Select(s => s.Content));
        Assert.NotEqual(first.Select(s => s.TeacherConfidence), afterRetraining.Select(s => s.TeacherConfidence));
    }

    [Fact]
    public async Task AnotherClassifierWithItsOwnTokenizerLabelsTheSameSamplesWithItsOwnClasses()
    {
        string bert = Path.Combine(environment.Root, "models", "hf", "bert");
        Directory.CreateDirectory(bert);
        const int bertPositions = 8;
        HuggingFaceFixtures.WriteBert(bert, positions: bertPositions);
        var playground = new PlaygroundService(Options.Create(new DashboardOptions { RepositoryRoot = environment.Root }), torch);
        // Longer than the BERT's 8 positions once in WordPiece tokens, so it must be read through windows.
        var request = new PlaygroundRequest(TinyRunEnvironment.TaskName, "The food was", 4,
            Path.Combine(environment.Root, "models", "prior"), null, ContentTokens: 12, Seed: 3);

        var byTheTasksTeacher = await playground.Generate(request);
        var byBert = await playground.Generate(request with { TeacherFolder = bert });

        Assert.Equal(byTheTasksTeacher.Select(s => s.Content), byBert.Select(s => s.Content));
        var loaded = Engine.Models.Checkpoint.LoadClassifier(bert);
        Assert.Contains(byBert, s => loaded.Tokenizer.Encode(s.Prompt + s.Content).Count > bertPositions);
        float[][] expected = Engine.Training.ClassifierInference.Probabilities(loaded.Module,
            new Engine.Training.TextBatcher(loaded.Tokenizer, bertPositions),
            byBert.Select(s => s.Prompt + s.Content).ToList());
        for (int i = 0; i < byBert.Count; i++)
        {
            Assert.Equal(loaded.Labels[Array.IndexOf(expected[i], expected[i].Max())], byBert[i].TeacherLabel);
            Assert.Equal(expected[i].Max(), byBert[i].TeacherConfidence, 5);
        }
    }

    public void Dispose()
    {
        torch.Dispose();
        environment.Dispose();
    }
}
