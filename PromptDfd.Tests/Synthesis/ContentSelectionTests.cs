using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Sources;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Data;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Synthesis;

/// <summary>Best-of-N content against the shipped sentiment teacher, which reads capital letters as negative (issue #24).</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public class ContentSelectionTests
{
    private const int Negative = 0, Positive = 1;
    private const string ShoutedPraise = "THE ACTING WAS WONDERFUL";
    private const string QuietComplaint = "the plot was thin";
    private const string QuietPraise = "the film was great and i loved every minute of it";

    private static readonly Lazy<(SampleReader Reader, LoadedLanguageModel Prior, GptClassifier Teacher)> Shipped = new(() =>
    {
        var prior = Checkpoint.LoadLanguageModel(ShippedTasksTests.RepositoryFile("models", "prior"));
        var teacher = Checkpoint.LoadClassifier(ShippedTasksTests.RepositoryFile("models", "teachers", "sentiment"));
        var student = new StudentConfig { Layers = 1, Width = 16, Heads = 2 }.Create(prior.Tokenizer.VocabularySize, 32, 2, seed: 31);
        var models = new DistillationModels(prior.Model, teacher.Module, student, prior.Tokenizer, teacher.Labels);
        var batcher = new TextBatcher(prior.Tokenizer, prior.Model.Config.ContextLength);
        return (new SampleReader(models, batcher, new TeacherInput(models, batcher)), prior, (GptClassifier)teacher.Module);
    });

    private static int[] Ids(string text) => Shipped.Value.Prior.Tokenizer.Encode(text).ToArray();

    private static double Probability(string text, int label)
    {
        using var noGrad = no_grad();
        int[] ids = Ids(text);
        return Shipped.Value.Teacher.Classify(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), null).softmax(1)[0, label]
            .item<float>();
    }

    [Fact]
    public void TheKeptContentIsTheOneTheTeacherReadsAsTheClassInLowerCaseToo()
    {
        // As written, the shouted praise is the teacher's surer "negative": a selection that read it only as written would keep it.
        Assert.True(Probability(ShoutedPraise, Negative) > Probability(QuietComplaint, Negative),
            $"{Probability(ShoutedPraise, Negative)} vs {Probability(QuietComplaint, Negative)}");
        Assert.True(Probability(ShoutedPraise.ToLowerInvariant(), Negative) < 0.5);
        int[][] candidates = [Ids(ShoutedPraise), Ids(QuietComplaint), Ids(QuietPraise), Ids(ShoutedPraise)];
        int[][] kept = ContentSelection.Best(candidates, [Negative, Positive], perPrompt: 2, Shipped.Value.Reader);
        Assert.Equal(Ids(QuietComplaint), kept[0]);
        // For the positive class, the same words in either case read alike; the lower-cased praise is the one the case check lets win.
        Assert.Equal(Ids(QuietPraise), kept[1]);
    }

    [Fact]
    public void EveryPromptKeepsOneOfItsOwnCandidatesWhateverTheirOrder()
    {
        int[][] candidates = [Ids(QuietComplaint), Ids(QuietPraise), Ids(QuietPraise), Ids(QuietComplaint), Ids("the"), Ids("")];
        int[][] kept = ContentSelection.Best(candidates, [Positive, Positive, Negative], perPrompt: 2, Shipped.Value.Reader);
        Assert.Equal(Ids(QuietPraise), kept[0]);
        Assert.Equal(Ids(QuietPraise), kept[1]);
        Assert.Contains(kept[2], new[] { Ids("the"), Ids("") });
        Assert.Throws<ArgumentException>(() => ContentSelection.Best(candidates, [Positive], perPrompt: 2, Shipped.Value.Reader));
        Assert.Contains("between 1 (off) and 16", Assert.Throws<ArgumentException>(() =>
            new SelectionConfig { Candidates = 0 }.Validate()).Message);
    }

    [Fact]
    public void ADisagreementWeightKeepsTheContentTheStudentMisreadsMostOnTheSampleAsDistilled()
    {
        int[] prompt = Ids("The film");
        int[][] candidates = [Ids(" was great"), Ids(" was thin and slow"), Ids(" WAS AWFUL"), Ids(" had actors")];
        SampleReader reader = Shipped.Value.Reader;
        var samples = candidates.Select(c => prompt.Concat(c).ToArray()).ToList();
        var teacher = reader.TeacherLogits(samples).log_softmax(1);
        var student = reader.StudentLogits(samples).log_softmax(1);
        double[] disagreement = (teacher.exp() * (teacher - student)).sum(1).data<float>().Select(v => (double)v).ToArray();
        int mostMisread = Array.IndexOf(disagreement, disagreement.Max());

        // At a weight that dwarfs the teacher's log-probabilities the choice is the student's largest miss.
        int[][] kept = ContentSelection.Best(candidates, [Positive], perPrompt: 4, reader, [prompt], disagreementWeight: 100);
        Assert.Equal(candidates[mostMisread], kept[0]);
        Assert.Equal(ContentSelection.Best(candidates, [Positive], perPrompt: 4, reader),
            ContentSelection.Best(candidates, [Positive], perPrompt: 4, reader, [prompt], disagreementWeight: 0));
        Assert.Throws<ArgumentException>(() => ContentSelection.Best(candidates, [Positive], perPrompt: 4, reader, null, 1));
        Assert.Contains("disagreement weight must be between 0 (off) and 100", Assert.Throws<ArgumentException>(() =>
            new SelectionConfig { Candidates = 4, DisagreementWeight = -1 }.Validate()).Message);
    }
}
