using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using static TorchSharp.torch;

namespace PromptDfd.Cli.Commands;

/// <summary>Fine-tunes a teacher (the prior's body plus a classification head) on a task and compares it with Naive Bayes.</summary>
public static class TrainTeacherCommand
{
    public static int Run(CommandArguments arguments)
    {
        string taskName = arguments.String("task", "sentiment");
        string taskFolder = arguments.String("task-folder", Path.Combine(RepositoryPaths.Tasks, taskName));
        string priorFolder = arguments.String("prior", RepositoryPaths.PriorModel);
        string output = arguments.String("out", Path.Combine(RepositoryPaths.Models, "teachers", taskName));
        Device device = TorchRuntime.ResolveDevice(arguments.String("device", "auto"));
        TorchRuntime.ConfigureThreads(arguments.Int("threads", 0));
        var config = new ClassifierTrainingConfig
        {
            Epochs = arguments.Int("epochs", 3),
            BatchSize = arguments.Int("batch", 32),
            LearningRate = arguments.Double("lr", 2e-4),
            MaximumLength = arguments.Int("max-length", 128),
            Seed = arguments.Long("seed", 1234),
            WeightDecay = arguments.Double("weight-decay", 0.01),
            Dropout = arguments.Double("dropout", 0.1),
            LanguageModelWeight = arguments.Double("lm-weight", 0),
            Pooling = arguments.String("pooling", "last") switch
            {
                "last" => ClassifierPooling.LastToken,
                "mean" => ClassifierPooling.Mean,
                string other => throw new ArgumentException($"--pooling must be 'last' or 'mean' (got '{other}')."),
            },
        };
        bool half = Precision.IsHalf(arguments.String("precision", "f32"));
        arguments.RejectUnknown();
        TeacherTraining.Train(TaskDataset.Load(taskFolder), priorFolder, output, config, device, Console.WriteLine, half);
        return 0;
    }
}
