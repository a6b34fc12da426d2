using System.Diagnostics;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Text;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Benchmarks;

/// <summary>
/// What a PromptDFD step costs with the models of the paper's setting: a prior of gpt2's shape (124M parameters, GPT-2's
/// own tokenizer) and a teacher of bert-base-uncased's shape (110M, a WordPiece teacher reading the samples as text).
/// Random weights: no download reaches this machine, and the arithmetic is the same as with trained ones.
/// </summary>
/// <param name="priorShape">gpt2's unless given (tests use a small one with GPT-2's vocabulary)</param>
/// <param name="teacherShape">bert-base-uncased's unless given</param>
public sealed class HuggingFaceShapesBenchmark(TaskDataset task, int steps, Action<string> log, GptConfig? priorShape = null,
    BertConfig? teacherShape = null)
{
    public static readonly GptConfig Gpt2Shape = new()
    {
        VocabularySize = 50257,
        ContextLength = 1024,
        Layers = 12,
        Heads = 12,
        Width = 768
    };
    public static readonly BertConfig BertBaseShape = new()
    {
        VocabularySize = 30522,
        MaxPositions = 512,
        Layers = 12,
        Heads = 12,
        Width = 768,
        IntermediateWidth = 3072
    };

    public List<BenchmarkResult> Results { get; } = [];

    public void Run()
    {
        GptConfig priorConfig = priorShape ?? Gpt2Shape;
        BertConfig teacherConfig = teacherShape ?? BertBaseShape;
        using var vocabulary = new TemporaryWordPieceVocabulary(task, teacherConfig.VocabularySize);
        manual_seed(11);
        var prior = new GptLanguageModel(priorConfig);
        var teacher = new BertClassifier(teacherConfig, task.Labels.Count);
        ITextTokenizer priorTokenizer = TokenizerFactory.Gpt2();
        GptClassifier student = new StudentConfig().Create(priorConfig.VocabularySize, priorConfig.ContextLength, task.Labels.Count,
            seed: 1);
        var models = new DistillationModels(prior, teacher, student, priorTokenizer, task.Labels, vocabulary.Tokenizer);
        var config = new MethodConfig { Method = SynthesisMethod.PromptDfd, Seed = 1, TopicPrompts = TopicPromptFile.Load(task) };
        config = config with
        {
            Schedule = config.Schedule with
            {
                Steps = steps + 1,
                EvaluateEvery = steps + 1,
                CheckpointEvery = steps
            + 1
            }
        };

        var metrics = new List<MetricEvent>();
        var clock = Stopwatch.StartNew();
        var trainer = new DistillationTrainer(config, models, e => { if (e is MetricEvent m) metrics.Add(m); });
        double startup = clock.Elapsed.TotalSeconds;
        var stepSeconds = new List<double>();
        for (int step = 0; step <= steps; step++)
        {
            clock.Restart();
            trainer.RunStep();
            stepSeconds.Add(clock.Elapsed.TotalSeconds);
        }

        // The first step allocates and warms caches; the rest are what a long run pays per step.
        var measured = stepSeconds.Skip(1).ToList();
        double Phase(string name) => metrics.Where(m => m.Name == name && m.Step > 1).Select(m => m.Value).Median();
        string shapes = $"prior {priorConfig.Layers}L d{priorConfig.Width} ({priorConfig.ParameterCount() / 1e6:F0}M, gpt2's shape), " +
            $"teacher {teacherConfig.Layers}L d{teacherConfig.Width} " +
            $"(bert-base's shape), {config.Schedule.SamplesPerStep} samples of " +
                $"{config.Prompter.PromptLength}+{config.Content.MaxNewTokens} tokens";
        Add($"PromptDFD step, Hugging Face shapes ({shapes})", measured.Median(), "s/step",
            $"median of {measured.Count}; generation {Phase(MetricNames.SynthesisSeconds):F1} s, rewards and prompter " +
                $"{Phase(MetricNames.RewardsAndPrompterSeconds):F1} s, student {Phase(MetricNames.StudentSeconds):F1} s");
        Add("the same: 200 steps (the default run)", 200 * measured.Median() / 60, "min",
            $"plus {startup:F0} s to build the prompter and warm it up on the topic prompts");
    }

    private void Add(string name, double value, string unit, string detail)
    {
        Results.Add(new BenchmarkResult(name, value, unit, detail));
        log($"{name}: {value:F1} {unit} {detail}");
    }

    /// <summary>A bert-base-sized WordPiece vocabulary: the task's words, filled up with unused entries as BERT's vocab.txt has
    /// them.</summary>
    private sealed class TemporaryWordPieceVocabulary : IDisposable
    {
        private readonly string folder = Directory.CreateTempSubdirectory("promptdfd-bench-").FullName;

        public TemporaryWordPieceVocabulary(TaskDataset task, int size)
        {
            var words = task.Splits.Train.SelectMany(e => e.Text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Distinct(StringComparer.Ordinal).Take(size - 5);
            var lines = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
            lines.AddRange(words);
            for (int i = 0; lines.Count < size; i++) lines.Add($"[unused{i}]");
            File.WriteAllLines(Path.Combine(folder, TokenizerFactory.WordPieceFile), lines);
            Tokenizer = TokenizerFactory.FromFolder(folder);
        }

        public ITextTokenizer Tokenizer { get; }

        public void Dispose() => Directory.Delete(folder, recursive: true);
    }
}
