using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Sources;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Synthesis;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class TeacherGuidedContinuationTests
{
    private const double HeadScale = 20;
    private const double EmbeddingScale = 50;
    private const double AttentionScale = 10;

    private static (GptLanguageModel Prior, GptClassifier Teacher, ITextTokenizer Tokenizer) Models(TemporaryFolder folder)
    {
        TinyTokenizer.WriteTo(folder.Path);
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(folder.Path);
        var prior = TinyModels.LanguageModel(tokenizer.VocabularySize, seed: 11);
        manual_seed(21);
        var teacher = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 2);
        // An untrained head is nearly uniform; a larger one (not so large that it saturates) gives the teacher opinions that differ between
        // texts.
        // Larger token embeddings make its reading depend on every token of the text, as a trained teacher's does.
        using (no_grad())
        {
            teacher.named_parameters().Single(p => p.name == "score.weight").parameter.mul_(HeadScale);
            teacher.named_parameters().Single(p => p.name == "transformer.wte.weight").parameter.mul_(EmbeddingScale);
            teacher.named_parameters().Single(p => p.name == "transformer.wpe.weight").parameter.mul_(EmbeddingScale);
            foreach (var (name, parameter) in teacher.named_parameters().Where(p => p.name.Contains("attn.c_attn.weight")
                || p.name.Contains("attn.c_proj.weight"))) parameter.mul_(AttentionScale);
        }
        teacher.eval();
        return (prior, teacher, tokenizer);
    }

    private static int[][] Prompts(ITextTokenizer tokenizer) =>
        new[] { "The movie was", "The food", "Whales swim in the", "In" }.Select(t => tokenizer.Encode(t).ToArray()).ToArray();

    private static double[] IntendedLogProbability(GptClassifier teacher, IReadOnlyList<int[]> texts, int[] classes)
    {
        using var noGrad = no_grad();
        return texts.Select((t, i) => (double)teacher.Classify(tensor(t.Select(x => (long)x).ToArray(), [1, t.Length]),
            null).log_softmax(1)[0, classes[i]].item<float>()).ToArray();
    }

    [Fact]
    public void GreedyGuidedTextIsWhatReadingEveryCandidateTextFromScratchChooses()
    {
        using var folder = new TemporaryFolder();
        var (prior, teacher, tokenizer) = Models(folder);
        int[][] prompts = Prompts(tokenizer);
        int[] classes = [0, 1, 1, 0];
        var sampling = new SamplingConfig { Temperature = 0, MaxNewTokens = 8, StopAtEndOfText = false };
        int[][] contents = TeacherGuidedContinuation.Continue(prior, teacher, tokenizer, prompts, classes, sampling,
            new GuidanceConfig { Weight = 3, Candidates = 6 }, new Generator(1));
        using var noGrad = no_grad();
        int notTheFirst = 0;
        for (int row = 0; row < prompts.Length; row++)
        {
            var text = prompts[row].ToList();
            for (int step = 0; step < 8; step++)
            {
                long[] priorInput = text.Prepend(tokenizer.EndOfTextId).Select(x => (long)x).ToArray();
                var (scores, candidates) = prior.forward(tensor(priorInput, [1, priorInput.Length]))[0, -1].log_softmax(0).topk(6);
                float[] priorScores = scores.data<float>().ToArray();
                long[] ids = candidates.data<long>().ToArray();
                double[] teacherScores = IntendedLogProbability(teacher, ids.Select(c => text.Append((int)c).ToArray()).ToList(),
                    Enumerable.Repeat(classes[row], 6).ToArray());
                int best = Enumerable.Range(0, 6).MaxBy(j => priorScores[j] + 3 * teacherScores[j]);
                if (best > 0) notTheFirst++;
                text.Add((int)ids[best]);
            }
            Assert.Equal(text.Skip(prompts[row].Length), contents[row]);
        }
        // The teacher overrode the prior's favourite often enough that the match is about its reading, not the prior's.
        Assert.True(notTheFirst >= 6, $"only {notTheFirst} of 32 tokens were not the prior's favourite");
    }

    [Fact]
    public void GuidanceRaisesTheTeachersProbabilityOfTheIntendedClassAndASeedFixesTheText()
    {
        using var folder = new TemporaryFolder();
        var (prior, teacher, tokenizer) = Models(folder);
        int[][] prompts = Enumerable.Range(0, 8).SelectMany(_ => Prompts(tokenizer)).ToArray();
        int[] classes = prompts.Select((_, i) => i % 2).ToArray();
        var sampling = new SamplingConfig { Temperature = 1, MaxNewTokens = 8, StopAtEndOfText = false };
        int[][] Guided(double weight, ulong seed) => weight == 0
            ? PriorContinuation.Continue(prior, tokenizer, prompts, sampling, new Generator(seed))
            : TeacherGuidedContinuation.Continue(prior, teacher, tokenizer, prompts, classes, sampling,
                new GuidanceConfig { Weight = weight, Candidates = 8 }, new Generator(seed));
        double Intended(int[][] contents) => IntendedLogProbability(teacher,
            prompts.Select((p, i) => p.Concat(contents[i]).ToArray()).ToList(), classes).Average();
        Assert.True(Intended(Guided(5, 3)) > Intended(Guided(0, 3)) + 0.05, $"{Intended(Guided(5, 3))} vs {Intended(Guided(0, 3))}");
        Assert.Equal(Guided(5, 3), Guided(5, 3));
        Assert.NotEqual(Guided(5, 3), Guided(5, 4));
    }

    [Fact]
    public void ATeacherThatCannotBeReadTokenByTokenIsRefusedWithTheSettingToChange()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new GptClassifier(TinyModels.Gpt(), 2,
            ClassifierPooling.Mean).ClassifyPrefixEnd(zeros(1, 16)));
        Assert.Contains("last-token", error.Message);
        Assert.Contains("Guidance weight must be 0 (off) or a positive number",
            Assert.Throws<ArgumentException>(() => new GuidanceConfig { Weight = -1 }.Validate()).Message);
    }
}
