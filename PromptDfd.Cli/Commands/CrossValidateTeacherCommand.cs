using System.CommandLine;
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
public sealed class CrossValidateTeacherCommand : CliCommand
{
    private readonly TaskOptions task = new();
    private readonly Option<string> prior = CliOptions.Text("--prior", "what to fine-tune: the language prior or a BERT-family " +
        "encoder", Repository.Workspace.Prior);
    private readonly Option<int> folds = CliOptions.Whole("--folds", "folds by document over train + dev", 5, minimum: 2);
    private readonly Option<string?> report = CliOptions.Text("--report", "also write the result as Markdown to this file");
    private readonly ComputeOptions compute = new();
    private readonly TeacherRecipeOptions recipe = new();

    public CrossValidateTeacherCommand() : base("cross-validate-teacher", "cross-validate a teacher recipe (train-teacher's options) " +
        "against Naive Bayes in --folds folds by document of train + dev") =>
        AddOptions([.. task.All, prior, folds, report, .. compute.All, .. recipe.All]);

    protected override int Run(ParseResult parsed)
    {
        var (_, taskFolder) = this.task.Read(parsed);
        string priorFolder = parsed.GetValue(prior)!;
        int folds = parsed.GetValue(this.folds);
        string report = parsed.GetValue(this.report) ?? "";
        Device device = compute.Apply(parsed);
        var config = recipe.Read(parsed);

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
