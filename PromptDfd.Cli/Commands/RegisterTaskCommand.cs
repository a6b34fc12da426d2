using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;

namespace PromptDfd.Cli.Commands;

/// <summary>Turns a user's CSV or JSONL file into a task folder with fixed train/dev/test splits.</summary>
public static class RegisterTaskCommand
{
    public static int Run(CommandArguments arguments)
    {
        string file = arguments.String("file", "");
        if (file.Length == 0) throw new UsageException("--file is required: a .csv (with a header row) or .jsonl file with text and " +
            "label columns.");
        string name = arguments.String("name", Path.GetFileNameWithoutExtension(file));
        string textColumn = arguments.String("text-column", "text"), labelColumn = arguments.String("label-column", "label");
        string output = arguments.String("out", Repository.Workspace.Task(name));
        arguments.RejectUnknown();
        TaskDataset task = TaskRegistration.RegisterInto(output, file, name, textColumn, labelColumn);
        Console.WriteLine($"registered task '{name}': {task.Splits.Train.Count} train / {task.Splits.Dev.Count} dev / " +
            $"{task.Splits.Test.Count} test, " +
                          $"classes {string.Join(", ", task.Labels)} -> {output}");
        Console.WriteLine($"next: dotnet run --project PromptDfd.Cli -c Release -- train-teacher --task {name}");
        return 0;
    }
}
