using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Training;
using static TorchSharp.torch;

namespace PromptDfd.Cli.Commands;

/// <summary>
/// Cross-validates a teacher recipe against Naive Bayes by document over the train and dev splits, because one
/// split of a few dozen documents cannot tell a two-point difference from chance.
/// </summary>
public static class CrossValidateTeacherCommand
{
    public static int Run(CommandArguments arguments)
    {
        var (taskName, taskFolder) = arguments.Task();
        string priorFolder = arguments.String("prior", Repository.Workspace.Prior);
        int folds = arguments.Int("folds", 5);
        string report = arguments.String("report", "");
        Device device = TorchRuntime.ResolveDevice(arguments.String("device", "auto"));
        TorchRuntime.ConfigureThreads(arguments.Int("threads", 0));
        var config = TrainTeacherCommand.TrainingConfig(arguments);
        arguments.RejectUnknown();

        var task = TaskDataset.Load(taskFolder);
        var result = TeacherCrossValidation.Run(task, priorFolder, config, folds, device, Console.WriteLine);
        Console.WriteLine($"pooled over {result.Teacher.Count} held-out texts: teacher {result.Teacher}; Naive Bayes {result.NaiveBayes}"
            + (result.Averaged is null ? "" : $"; averaged weights {result.Averaged}"));
        Console.WriteLine($"teacher (first) against Naive Bayes (second): {result.TeacherAgainstNaiveBayes}");
        if (result.Averaged is not null)
        {
            Console.WriteLine($"averaged weights (first) against Naive Bayes (second): {result.AveragedAgainstNaiveBayes}");
            Console.WriteLine($"averaged weights (first) against the teacher (second): {result.AveragedAgainstTeacher}");
        }
        if (report.Length > 0)
        {
            string command = TeacherTraining.CommandFor(task, config, half: false, "cross-validate-teacher")
                + $" --folds {folds}" + (priorFolder == Repository.Workspace.Prior ? "" : $" --prior {priorFolder}")
                    + $" --report {report}";
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(report))!);
            File.WriteAllText(report,
                result.ToMarkdown($"Cross-validation of the {task.Name} teacher recipe against Naive Bayes ({folds} folds by document, " +
                    $"test split unread)", command));
            Console.WriteLine($"report -> {report}");
        }
        return 0;
    }
}
