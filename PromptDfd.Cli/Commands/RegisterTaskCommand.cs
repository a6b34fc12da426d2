using System.Globalization;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;

namespace PromptDfd.Cli.Commands;

/// <summary>Turns a user's CSV or JSONL file (and, if they have them, their own test and dev files) into a task in the
/// user workspace, with fixed splits.</summary>
public static class RegisterTaskCommand
{
    public static int Run(CommandArguments arguments)
    {
        string file = arguments.String("file", "");
        if (file.Length == 0) throw new UsageException("--file is required: a .csv (with a header row) or .jsonl file with text and " +
            "label columns. Example: register --file reviews.csv --name reviews --test-file reviews-test.csv");
        // A file called train.csv would otherwise make a task called "train".
        string name = arguments.String("name", "");
        if (name.Length == 0) throw new UsageException($"--name is required: what to call the task (e.g. --name " +
            $"{Path.GetFileNameWithoutExtension(file)}).");
        var options = new RegistrationOptions
        {
            TextColumn = arguments.String("text-column", "text"),
            LabelColumn = arguments.String("label-column", "label"),
            TestFile = Optional(arguments.String("test-file", "")),
            DevFile = Optional(arguments.String("dev-file", "")),
            DevFraction = arguments.Double("dev-fraction", 0.1),
            TestFraction = arguments.Double("test-fraction", 0.1),
            LabelNames = RegistrationOptions.ParseLabelNames(arguments.String("label-names", "")),
        };
        if (Repository.Workspace.IsShippedTask(name))
            throw new UsageException($"'{name}' is a shipped task; give your dataset its own --name.");
        string output = arguments.String("out", Repository.Workspace.Task(name));
        arguments.RejectUnknown();
        Registration registration = TaskRegistration.RegisterInto(output, file, name, options);
        TaskDataset task = registration.Task;
        foreach (string warning in registration.Warnings) Console.WriteLine($"warning: {warning}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"registered task '{name}': {task.Splits.Train.Count} train / " +
            $"{task.Splits.Dev.Count} dev / {task.Splits.Test.Count} test, classes {string.Join(", ", task.Labels)} -> {output}"));
        Console.WriteLine($"  {task.Info.Description}");
        // Commands find a task by name only in the workspace; one registered elsewhere is reached through its folder.
        bool findable = Path.GetFullPath(output) == Path.GetFullPath(Repository.Workspace.Task(name));
        Console.WriteLine(findable
            ? $"next: dotnet run --project PromptDfd.Cli -c Release -- train-teacher --task {name}"
            : $"next: dotnet run --project PromptDfd.Cli -c Release -- train-teacher --task {name} --task-folder {output}");
        return 0;
    }

    private static string? Optional(string path) => path.Length == 0 ? null : path;
}
