using Microsoft.Extensions.Options;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Services;

namespace PromptDfd.Tests.Web;

public sealed class PlaygroundServiceTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();

    [Fact]
    public async Task ATeacherRetrainedWhileTheDashboardRunsLabelsTheNextSamples()
    {
        var playground = new PlaygroundService(Options.Create(new DashboardOptions { RepositoryRoot = environment.Root }));
        var request = new PlaygroundRequest(TinyRunEnvironment.TaskName, "The food was", 4, Path.Combine(environment.Root, "models", "prior"), null, ContentTokens: 8, Seed: 3);

        var first = await playground.Generate(request);
        Assert.Equal(first.Select(s => s.TeacherConfidence), (await playground.Generate(request)).Select(s => s.TeacherConfidence));

        environment.RetrainTeacher(seed: 99);
        var afterRetraining = await playground.Generate(request);
        Assert.Equal(first.Select(s => s.Content), afterRetraining.Select(s => s.Content));
        Assert.NotEqual(first.Select(s => s.TeacherConfidence), afterRetraining.Select(s => s.TeacherConfidence));
    }

    public void Dispose() => environment.Dispose();
}
