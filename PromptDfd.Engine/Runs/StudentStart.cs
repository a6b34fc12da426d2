using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Where a run's student starts: seeded random weights, or the body of a small language model pre-trained on public text
/// (<see cref="RunConfig.StudentBodyFolder"/>), as the compact students of the distillation literature are. The class head
/// always starts fresh from the run's seed, so the same config and seed give the same student.
/// </summary>
public static class StudentStart
{
    /// <summary>Refuses, from the files' headers alone, a starting model the student cannot take.</summary>
    public static void Check(RunConfig config, RunEnvironment environment)
    {
        if (environment.StudentBodyFolder(config) is not string folder) return;
        string prior = environment.PriorFolder(config);
        RequireFits(config.Student, ReadShape(folder), folder, GptConfig.FromHuggingFace(Checkpoint.ReadConfig(prior),
            Path.Combine(prior, Checkpoint.ConfigFile)), prior);
    }

    /// <summary>The run's student on <paramref name="device"/>, and the SHA-256 of the weights it started from (null: random).</summary>
    public static (GptClassifier Student, string? BodySha256) Create(RunConfig config, RunEnvironment environment, LoadedLanguageModel prior,
        int classes, Device device)
    {
        long seed = config.Training.Seed;
        if (environment.StudentBodyFolder(config) is not string folder)
        {
            GptClassifier random = config.Student.Create(prior.Tokenizer.VocabularySize, prior.Model.Config.ContextLength, classes, seed);
            random.to(device);
            return (random, null);
        }
        RequireFits(config.Student, ReadShape(folder), folder, prior.Model.Config, prior.Folder);
        LoadedLanguageModel body = Checkpoint.LoadLanguageModel(folder, CPU);
        manual_seed(seed);
        GptClassifier student = GptClassifier.FromLanguageModel(body.Model, classes, config.Student.Dropout);
        body.Model.Dispose();
        student.to(device);
        return (student, body.WeightsSha256);
    }

    private static GptConfig ReadShape(string folder)
    {
        string configPath = Path.Combine(folder, Checkpoint.ConfigFile);
        if (!File.Exists(configPath))
            throw new ArgumentException($"No language model at {folder} (config.json missing); set StudentBodyFolder to a folder written by " +
                "pretrain with the student's shape (e.g. pretrain --layers 2 --width 128 --out models/student-body), or leave it empty for a " +
                "randomly initialised student.");
        if (Checkpoint.ClassifierLabels(folder) is { } labels)
            throw new ArgumentException($"{folder} is a classifier (of {string.Join(", ", labels)}), not a language model; the student " +
                "starts from a language model's body. Set StudentBodyFolder to a folder written by pretrain.");
        return GptConfig.FromHuggingFace(Checkpoint.ReadConfig(folder), configPath);
    }

    private static void RequireFits(StudentConfig student, GptConfig body, string folder, GptConfig prior, string priorFolder)
    {
        if (body.Layers != student.Layers || body.Width != student.Width || body.Heads != student.Heads)
            throw new ArgumentException($"The student is {student.Layers} layers of width {student.Width} with {student.Heads} heads, but " +
                $"the model at {folder} is {body.Layers} layers of width {body.Width} with {body.Heads} heads; set Student.Layers=" +
                $"{body.Layers}, Student.Width={body.Width} and Student.Heads={body.Heads} to start from it, or pre-train one of the " +
                "student's shape.");
        if (body.ContextLength != prior.ContextLength || body.VocabularySize != prior.VocabularySize)
            throw new ArgumentException($"The model at {folder} reads {body.ContextLength} tokens of a {body.VocabularySize}-token " +
                $"vocabulary, but the student reads the prior's text ({priorFolder}: {prior.ContextLength} tokens of " +
                $"{prior.VocabularySize}); pre-train it with the prior's tokenizer and context length.");
        if (TokenizerFactory.Fingerprint(folder) != TokenizerFactory.Fingerprint(priorFolder))
            throw new ArgumentException($"The model at {folder} uses another tokenizer than the prior at {priorFolder}; the student reads " +
                "the prior's token ids, so pre-train it with the prior's tokenizer (pretrain --tokenizer).");
    }
}
