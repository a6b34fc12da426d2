using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Training;
using static TorchSharp.torch;

namespace PromptDfd.Cli.Commands;

/// <summary>Fine-tunes a teacher (the prior's body, or a BERT-family encoder, plus a classification head) on a task and compares it with
/// Naive Bayes.</summary>
public sealed class TrainTeacherCommand : CliCommand
{
    private readonly TaskOptions task = new();
    private readonly Option<string?> baseModel = CliOptions.Text("--base", "what to fine-tune: the language prior (default, " +
        "models/prior) or a BERT-family encoder checkpoint");
    private readonly Option<string?> prior = CliOptions.Text("--prior", "the older name of --base");
    private readonly Option<string?> output = CliOptions.Text("--out", "where to write the teacher (default: the task's teacher folder)");
    private readonly ComputeOptions compute = new();
    private readonly Option<string> precision = PrecisionOption.Create("f32");
    private readonly TeacherRecipeOptions recipe = new();
    private readonly Option<bool> search = CliOptions.Switch("--search", "try the recipe and a few neighbours (other pooling, half " +
        "the learning rate over one more epoch, no language-model loss) and keep the best on dev");
    private readonly Option<int> searchMinutes = CliOptions.Whole("--search-minutes", "start no candidate that would end after this " +
        "many minutes (the first always runs)", 30, minimum: 1);

    public TrainTeacherCommand() : base("train-teacher", "fine-tune a teacher for a task from the prior (or a BERT-family encoder) and " +
        "compare it with Naive Bayes (models/teachers/<task>)") =>
        AddOptions([.. task.All, baseModel, prior, output, .. compute.All, precision, .. recipe.All, search, searchMinutes]);

    protected override int Run(ParseResult parsed)
    {
        var (taskName, taskFolder) = task.Read(parsed);
        string priorFolder = parsed.GetValue(baseModel) ?? parsed.GetValue(prior) ?? Repository.Workspace.Prior;
        string shippedTeacher = Repository.Workspace.Teacher(taskName);
        string output = parsed.GetValue(this.output) ?? shippedTeacher;
        Device device = compute.Apply(parsed);
        var config = recipe.Read(parsed);
        if (config.FromScratch && Path.GetFullPath(output) == Path.GetFullPath(shippedTeacher))
        {
            throw new UsageException($"--from-scratch trains an ablation, not a teacher to use: give it --out <folder> (e.g. " +
                $"scratch/teachers/{taskName}-from-scratch) " +
                $"so it does not replace {shippedTeacher}.");
        }
        bool half = PrecisionOption.IsHalf(parsed, precision);
        if (parsed.GetValue(search))
            TeacherRecipeSearch.Run(TaskDataset.Load(taskFolder), priorFolder, output, config,
                TimeSpan.FromMinutes(parsed.GetValue(searchMinutes)), device, Console.WriteLine, half);
        else TeacherTraining.Train(TaskDataset.Load(taskFolder), priorFolder, output, config, device, Console.WriteLine, half);
        // The task's own teacher, not an experiment written elsewhere, gives a task without prompts its default prompts.
        if (Path.GetFullPath(output) == Path.GetFullPath(shippedTeacher))
            MinedTaskPrompts.WriteIfMissing(taskFolder, Repository.Workspace.Prior, output, device, Console.WriteLine);
        return 0;
    }
}
