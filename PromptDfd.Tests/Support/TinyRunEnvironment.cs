using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Text;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Support;

/// <summary>
/// A throwaway repository root with a tiny two-class task, a tiny prior and teacher saved as real checkpoints,
/// and a run config sized to finish in a second or two, for run-manager, store and dashboard tests.
/// </summary>
public sealed class TinyRunEnvironment : IDisposable
{
    public const string TaskName = "tiny";
    private readonly TemporaryFolder folder = new();

    public TinyRunEnvironment()
    {
        string tokenizer = folder.Folder("tokenizer");
        TinyTokenizer.WriteTo(tokenizer);
        var prior = TinyModels.LanguageModel(TokenizerFactory().VocabularySize, seed: 11);
        Checkpoint.SaveLanguageModel(Path.Combine(Root, "models", "prior"), prior, tokenizer, new ModelCard { Title = "tiny prior" });
        RetrainTeacher(seed: 21);
        // Where runs of the default config start their student (RunConfig.DefaultStudentBody), in the tiny student's shape.
        SaveStudentBody(RunConfig.DefaultStudentBody, seed: 31);
        var examples = new List<LabeledExample>();
        string[] positive = ["The movie was wonderful.", "Great actors and a great story.", "I loved the food.",
            "The service was wonderful.", "A great ship and great sailors."];
        string[] negative = ["The food was terrible.", "The service was slow.", "A terrible movie.", "The actors were terrible.",
            "Slow and terrible service."];
        for (int i = 0; i < 5; i++) { examples.Add(new(positive[i], "positive")); examples.Add(new(negative[i], "negative")); }
        var task = new TaskDataset
        {
            Info = new TaskInfo { Name = TaskName, Labels = Labels, Description = "tiny test task" },
            Splits = new DatasetSplits(examples.Take(6).ToList(), examples.Skip(6).Take(2).ToList(), examples.Skip(8).ToList()),
        };
        task.Save(Path.Combine(Root, "data", "tasks", TaskName));
        File.WriteAllText(Path.Combine(Root, "data", "tasks", TaskName, TopicPromptFile.FileName),
            """{"negative": ["The food was terrible"], "positive": ["The movie was wonderful"]}""");
    }

    /// <summary>
    /// Replaces the task's teacher with another (untrained) one, as retraining it would. Its weights are drawn from a
    /// generator of its own, not libtorch's process-wide one, so a seed gives the same teacher byte for byte even while
    /// a run manager's engine thread is drawing numbers (resume tests restore the original teacher this way).
    /// </summary>
    public void RetrainTeacher(long seed)
    {
        var teacher = new GptClassifier(TinyModels.Gpt(TokenizerFactory().VocabularySize), 2);
        using var generator = new Generator((ulong)seed, CPU);
        using (no_grad())
        {
            foreach (var (name, parameter) in teacher.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
                else if (name.Contains("ln_", StringComparison.Ordinal)) parameter.fill_(1);
                else parameter.normal_(0, 0.02, generator);
            }
        }
        Checkpoint.SaveClassifier(Path.Combine(Root, "models", "teachers", TaskName), teacher, Labels, Path.Combine(Root, "tokenizer"),
            new ModelCard { Title = "tiny teacher" });
    }

    /// <summary>
    /// Saves a language model of the tiny run's student shape (1 layer, width 16, 2 heads) on the prior's tokenizer and context,
    /// for runs that start their student from it; returns its folder. <paramref name="layers"/> gives it another depth.
    /// </summary>
    public string SaveStudentBody(string relativeFolder, long seed, int layers = 1, string? tokenizerFolder = null)
    {
        GptConfig prior = Checkpoint.LoadLanguageModel(PriorFolder).Model.Config;
        manual_seed(seed);
        var model = new GptLanguageModel(prior with { Layers = layers, Width = 16, Heads = 2 });
        string folder = Path.Combine(Root, relativeFolder);
        Checkpoint.SaveLanguageModel(folder, model, tokenizerFolder ?? Path.Combine(Root, "tokenizer"),
            new ModelCard { Title = "tiny student body" });
        return folder;
    }

    public static readonly string[] Labels = ["negative", "positive"];
    public string Root => folder.Path;
    public RunEnvironment Environment => new(new Engine.Workspace(Root));
    public string StorePath => Path.Combine(Root, "runs", "promptdfd.db");
    public string PriorFolder => Path.Combine(Root, "models", "prior");
    public Engine.Data.TaskDataset Task => Engine.Data.TaskDataset.Load(Path.Combine(Root, "data", "tasks", TaskName));

    private Engine.Text.ITextTokenizer TokenizerFactory() => Engine.Text.TokenizerFactory.FromFolder(Path.Combine(Root, "tokenizer"));

    public static RunConfig Config(string preset = "promptdfd", long seed = 1, int steps = 6) =>
        RunPresets.Create(preset, TaskName, seed, new MethodConfig
        {
            Prompter = new PrompterConfig { PromptLength = 3, PrefixLength = 2 },
            Content = new SamplingConfig { MaxNewTokens = 8, TopP = 0.95 },
            Distillation = new DistillationConfig { BatchSize = 8, LearningRate = 3e-3 },
            Schedule = new ScheduleConfig { Steps = steps, SamplesPerStep = 8, EvaluateEvery = 3, CheckpointEvery = 2, QualityWindow = 16 },
            AsDfd = new AsDfdConfig { InversionSteps = 2 },
        }) with
        { Student = new StudentConfig { Layers = 1, Width = 16, Heads = 2 } };

    public void Dispose() => folder.Dispose();
}
