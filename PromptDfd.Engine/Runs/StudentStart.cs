using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Where a run's student starts: the body of a small language model pre-trained on public text (<see cref="RunConfig.StudentBodyFolder"/>,
/// by default the shipped one), as compact text students usually start pre-trained, or seeded random weights. The class head always
/// starts fresh from the run's seed, so the same config and seed give the same student.
/// </summary>
public static class StudentStart
{
    /// <summary>Refuses, from the files' headers alone, a starting model the student cannot take.</summary>
    public static void Check(RunConfig config, RunEnvironment environment)
    {
        if (Problem(config, environment) is string problem) throw new ArgumentException(problem);
    }

    /// <summary>Why the config's student cannot start from its starting model, read from the files' headers; null when it can (or
    /// starts from random weights).</summary>
    public static string? Problem(RunConfig config, RunEnvironment environment)
    {
        if (environment.StudentBodyFolder(config) is not string folder) return null;
        string prior = environment.PriorFolder(config);
        // A missing prior is the prior's problem, reported as such where it is checked.
        if (!File.Exists(Path.Combine(prior, Checkpoint.ConfigFile))) return ShapeProblem(folder);
        return Problem(config.Student, folder, GptConfig.FromHuggingFace(Checkpoint.ReadConfig(prior),
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
        if (Problem(config.Student, folder, prior.Model.Config, prior.Folder) is string problem) throw new ArgumentException(problem);
        LoadedLanguageModel body = Checkpoint.LoadLanguageModel(folder, CPU);
        manual_seed(seed);
        GptClassifier student = GptClassifier.FromLanguageModel(body.Model, classes, config.Student.Dropout);
        body.Model.Dispose();
        student.to(device);
        return (student, body.WeightsSha256);
    }

    private const string OrRandom = " Or set StudentBodyFolder empty (\"random weights\" in the new-run form) for a student from random " +
        "weights.";

    private static string? ShapeProblem(string folder)
    {
        if (!File.Exists(Path.Combine(folder, Checkpoint.ConfigFile)))
            return $"No language model at {folder} (config.json missing); set StudentBodyFolder to a folder written by pretrain with " +
                $"the student's shape (e.g. pretrain --student --layers 2 --width 128 --out {RunConfig.DefaultStudentBody}).{OrRandom}";
        if (Checkpoint.ClassifierLabels(folder) is { } labels)
            return $"{folder} is a classifier (of {string.Join(", ", labels)}), not a language model; the student starts from a " +
                $"language model's body. Set StudentBodyFolder to a folder written by pretrain.{OrRandom}";
        return null;
    }

    private static string? Problem(StudentConfig student, string folder, GptConfig prior, string priorFolder) =>
        ShapeProblem(folder) ?? FitProblem(student, GptConfig.FromHuggingFace(Checkpoint.ReadConfig(folder),
            Path.Combine(folder, Checkpoint.ConfigFile)), folder, prior, priorFolder);

    private static string? FitProblem(StudentConfig student, GptConfig body, string folder, GptConfig prior, string priorFolder)
    {
        if (body.Layers != student.Layers || body.Width != student.Width || body.Heads != student.Heads)
            return $"The student is {student.Layers} layers of width {student.Width} with {student.Heads} heads, but the model at " +
                $"{folder} is {body.Layers} layers of width {body.Width} with {body.Heads} heads; set Student.Layers={body.Layers}, " +
                $"Student.Width={body.Width} and Student.Heads={body.Heads} to start from it, or pre-train one of the student's shape." +
                OrRandom;
        if (body.ContextLength != prior.ContextLength || body.VocabularySize != prior.VocabularySize)
            return $"The model at {folder} reads {body.ContextLength} tokens of a {body.VocabularySize}-token vocabulary, but the " +
                $"student reads the prior's text ({priorFolder}: {prior.ContextLength} tokens of {prior.VocabularySize}); pre-train " +
                $"one with the prior's tokenizer and context length.{OrRandom}";
        if (TokenizerFactory.Fingerprint(folder) != TokenizerFactory.Fingerprint(priorFolder))
            return $"The model at {folder} uses another tokenizer than the prior at {priorFolder}; the student reads the prior's " +
                $"token ids, so pre-train one with the prior's tokenizer (pretrain --student --tokenizer).{OrRandom}";
        return null;
    }
}
