using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;

namespace PromptDfd.Cli.Commands;

/// <summary>Averages the weights of teachers fine-tuned from the same prior into one teacher, keeping members that help on dev.</summary>
public sealed class SoupTeachersCommand : CliCommand
{
    private readonly TaskOptions task = new();
    private readonly Option<string> teachers = CliOptions.Text("--teachers", "teacher folders fine-tuned from the same prior, " +
        "separated by commas", "");
    private readonly Option<string?> output = CliOptions.Text("--out", "where to write the soup (default: the task's teacher folder)");
    private readonly ComputeOptions compute = new();
    private readonly Option<string> precision = PrecisionOption.Create("f32");

    public SoupTeachersCommand() : base("soup-teachers", "average teachers fine-tuned from the same prior into one (greedy on dev) and " +
        "compare it with Naive Bayes") => AddOptions([.. task.All, teachers, output, .. compute.All, precision]);

    protected override int Run(ParseResult parsed)
    {
        var (taskName, taskFolder) = task.Read(parsed);
        string output = parsed.GetValue(this.output) ?? Repository.Workspace.Teacher(taskName);
        var device = compute.Apply(parsed);
        bool half = PrecisionOption.IsHalf(parsed, precision);
        var members = CliOptions.Names(parsed.GetValue(teachers)!);
        if (members.Count < 2) throw new UsageException("--teachers needs at least two teacher folders separated by commas, e.g. " +
            "--teachers scratch/teachers/a,scratch/teachers/b.");
        TeacherSoup.Make(TaskDataset.Load(taskFolder), members, output, device, Console.WriteLine, half);
        return 0;
    }
}
