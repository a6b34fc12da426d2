using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using TorchSharp;

namespace PromptDfd.Engine.Sources;

/// <summary>The frozen prior writes the content after each prompt, reading it as the start of a document.</summary>
public static class PriorContinuation
{
    public static int[][] Continue(GptLanguageModel prior, ITextTokenizer tokenizer, IReadOnlyList<int[]> prompts, SamplingConfig sampling,
        torch.Generator generator)
    {
        var contexts = prompts.Select(p => (IReadOnlyList<int>)p.Prepend(tokenizer.EndOfTextId).ToArray()).ToList();
        GeneratedBatch generated = Generation.Generate(prior, contexts, sampling, tokenizer.EndOfTextId, tokenizer.PaddingId, generator);
        return generated.Tokens.Select(t => t.Select(x => (int)x).ToArray()).ToArray();
    }

    /// <summary>The content for prompts written for <paramref name="classes"/>: teacher-guided when the config asks for it, else the prior
    /// alone; the best of several when the config's selection is on.</summary>
    public static int[][] Continue(DistillationModels models, IReadOnlyList<int[]> prompts, IReadOnlyList<int> classes,
        MethodConfig config, SampleReader reader, torch.Generator generator)
    {
        int perPrompt = config.Selection.Candidates;
        if (perPrompt <= 1) return Write(models, prompts, classes, config, generator);
        var repeatedPrompts = prompts.SelectMany(p => Enumerable.Repeat(p, perPrompt)).ToList();
        var repeatedClasses = classes.SelectMany(c => Enumerable.Repeat(c, perPrompt)).ToList();
        return ContentSelection.Best(Write(models, repeatedPrompts, repeatedClasses, config, generator), classes, perPrompt, reader,
            prompts, config.Selection.DisagreementWeight);
    }

    private static int[][] Write(DistillationModels models, IReadOnlyList<int[]> prompts, IReadOnlyList<int> classes, MethodConfig config,
        torch.Generator generator) =>
        config.Guidance.Enabled
            ? TeacherGuidedContinuation.Continue(models.Prior, GuidableTeacher(models), models.Tokenizer, prompts, classes, config.Content,
                config.Guidance, generator)
            : Continue(models.Prior, models.Tokenizer, prompts, config.Content, generator);

    /// <summary>The teacher as guided decoding needs it, or an error that says why this one cannot guide.</summary>
    public static GptClassifier GuidableTeacher(DistillationModels models) =>
        models.Teacher is GptClassifier { Pooling: ClassifierPooling.LastToken } teacher && models.TeacherTokenizer is null
            ? teacher
            : throw new ArgumentException("Teacher-guided decoding (Training.Guidance.Weight > 0) reads the content token by token " +
                "through the teacher's cache, " +
                "so it needs a GPT teacher with last-token pooling and the prior's tokenizer (a teacher trained here with " +
                    "train-teacher). " +
                "Set Training.Guidance.Weight to 0 for this teacher.");
}
