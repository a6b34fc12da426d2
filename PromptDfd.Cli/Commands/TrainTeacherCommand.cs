using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Training;
using static TorchSharp.torch;

namespace PromptDfd.Cli.Commands;

/// <summary>Fine-tunes a teacher (the prior's body, or a BERT-family encoder, plus a classification head) on a task and compares it with
/// Naive Bayes.</summary>
public static class TrainTeacherCommand
{
    public static int Run(CommandArguments arguments)
    {
        var (taskName, taskFolder) = arguments.Task();
        // --base names what to fine-tune: the language prior (the default) or a BERT-family encoder; --prior is its older name.
        string priorFolder = arguments.String("base", arguments.String("prior", Repository.Workspace.Prior));
        string shippedTeacher = Repository.Workspace.Teacher(taskName);
        string output = arguments.String("out", shippedTeacher);
        Device device = TorchRuntime.ResolveDevice(arguments.String("device", "auto"));
        TorchRuntime.ConfigureThreads(arguments.Int("threads", 0));
        var config = TrainingConfig(arguments);
        if (config.FromScratch && Path.GetFullPath(output) == Path.GetFullPath(shippedTeacher))
        {
            throw new UsageException($"--from-scratch trains an ablation, not a teacher to use: give it --out <folder> (e.g. " +
                $"scratch/teachers/{taskName}-from-scratch) " +
                $"so it does not replace {shippedTeacher}.");
        }
        bool half = Precision.IsHalf(arguments.String("precision", "f32"));
        arguments.RejectUnknown();
        TeacherTraining.Train(TaskDataset.Load(taskFolder), priorFolder, output, config, device, Console.WriteLine, half);
        // The task's own teacher, not an experiment written elsewhere, gives a task without prompts its default prompts.
        if (Path.GetFullPath(output) == Path.GetFullPath(shippedTeacher))
            MinedTaskPrompts.WriteIfMissing(taskFolder, Repository.Workspace.Prior, output, device, Console.WriteLine);
        return 0;
    }

    /// <summary>The fine-tuning options, shared with cross-validate-teacher so a recipe is written the same way in both.</summary>
    public static ClassifierTrainingConfig TrainingConfig(CommandArguments arguments)
    {
        var defaults = new ClassifierTrainingConfig();
        return new ClassifierTrainingConfig
        {
            Epochs = arguments.Int("epochs", defaults.Epochs),
            BatchSize = arguments.Int("batch", defaults.BatchSize),
            LearningRate = arguments.Double("lr", defaults.LearningRate),
            MaximumLength = arguments.Int("max-length", defaults.MaximumLength),
            Seed = arguments.Long("seed", defaults.Seed),
            WeightDecay = arguments.Double("weight-decay", defaults.WeightDecay),
            Dropout = arguments.Double("dropout", defaults.Dropout),
            LanguageModelWeight = arguments.Double("lm-weight", defaults.LanguageModelWeight),
            Pooling = ClassifierPoolingNames.Parse(arguments.String("pooling", defaults.Pooling.Name()), "--pooling"),
            FreezeTokenEmbeddings = arguments.Flag("freeze-embeddings"),
            LayerDecay = arguments.Double("layer-decay", defaults.LayerDecay),
            RandomWindows = arguments.Flag("random-windows"),
            WholeTexts = arguments.Flag("whole-texts"),
            AverageFromEpoch = arguments.Int("average-from-epoch", 0),
            Restarts = arguments.Int("restarts", defaults.Restarts),
            FromScratch = arguments.Flag("from-scratch"),
        };
    }
}
