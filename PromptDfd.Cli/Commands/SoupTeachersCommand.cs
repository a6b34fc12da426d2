using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;

namespace PromptDfd.Cli.Commands;

/// <summary>Averages the weights of teachers fine-tuned from the same prior into one teacher, keeping members that help on dev.</summary>
public static class SoupTeachersCommand
{
    public static int Run(CommandArguments arguments)
    {
        var (taskName, taskFolder) = arguments.Task();
        string teachers = arguments.String("teachers", "");
        string output = arguments.String("out", Repository.Workspace.Teacher(taskName));
        var device = TorchRuntime.ResolveDevice(arguments.String("device", "auto"));
        TorchRuntime.ConfigureThreads(arguments.Int("threads", 0));
        bool half = Precision.IsHalf(arguments.String("precision", "f32"));
        arguments.RejectUnknown();
        var members = teachers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (members.Length < 2) throw new UsageException("--teachers needs at least two teacher folders separated by commas, e.g. " +
            "--teachers scratch/teachers/a,scratch/teachers/b.");
        TeacherSoup.Make(TaskDataset.Load(taskFolder), members, output, device, Console.WriteLine, half);
        return 0;
    }
}
