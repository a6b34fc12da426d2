using System.CommandLine;
using System.Globalization;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;

namespace PromptDfd.Cli.Commands;

/// <summary>Turns a user's CSV or JSONL file (and, if they have them, their own test and dev files) into a task in the
/// user workspace, with fixed splits.</summary>
public sealed class RegisterTaskCommand : CliCommand
{
    private readonly Option<string?> file = CliOptions.Text("--file", "(required) a .csv with a header row, or a .jsonl, with text " +
        "and label columns");
    private readonly Option<string?> name = CliOptions.Text("--name", "(required) what to call the task");
    private readonly Option<string> textColumn = CliOptions.Text("--text-column", "the column holding the text", "text");
    private readonly Option<string> labelColumn = CliOptions.Text("--label-column", "the column holding the label", "label");
    private readonly Option<string?> testFile = CliOptions.Text("--test-file", "your own test split, in the same format; without it " +
        "one is set aside from --file");
    private readonly Option<string?> devFile = CliOptions.Text("--dev-file", "your own dev split; without it one is set aside from --file");
    private readonly Option<double> devFraction = CliOptions.Number("--dev-fraction", "the share of --file set aside as dev " +
        "(stratified by label)", 0.1);
    private readonly Option<double> testFraction = CliOptions.Number("--test-fraction", "the share of --file set aside as test", 0.1);
    private readonly Option<string> labelNames = CliOptions.Text("--label-names", "names for numeric labels, e.g. 0=negative,1=positive",
        "");
    private readonly Option<string?> output = CliOptions.Text("--out", "the task folder to write (default: workspace/tasks/<name>)");

    public RegisterTaskCommand() : base("register", "register your own CSV/JSONL dataset as a task (workspace/tasks/<name>)") =>
        AddOptions(file, name, textColumn, labelColumn, testFile, devFile, devFraction, testFraction, labelNames, output);

    protected override int Run(ParseResult parsed)
    {
        string file = parsed.GetValue(this.file) ?? "";
        if (file.Length == 0) throw new UsageException("--file is required: a .csv (with a header row) or .jsonl file with text and " +
            "label columns. Example: register --file reviews.csv --name reviews --test-file reviews-test.csv");
        // A file called train.csv would otherwise make a task called "train".
        string name = parsed.GetValue(this.name) ?? "";
        if (name.Length == 0) throw new UsageException($"--name is required: what to call the task (e.g. --name " +
            $"{Path.GetFileNameWithoutExtension(file)}).");
        var options = new RegistrationOptions
        {
            TextColumn = parsed.GetValue(textColumn)!,
            LabelColumn = parsed.GetValue(labelColumn)!,
            TestFile = parsed.GetValue(testFile),
            DevFile = parsed.GetValue(devFile),
            DevFraction = parsed.GetValue(devFraction),
            TestFraction = parsed.GetValue(testFraction),
            LabelNames = RegistrationOptions.ParseLabelNames(parsed.GetValue(labelNames)!),
        };
        if (TaskNames.Problem(name) is string problem) throw new UsageException($"{problem}; choose another --name.");
        if (Repository.Workspace.IsShippedTask(name))
            throw new UsageException($"'{name}' is a shipped task; give your dataset its own --name.");
        string output = parsed.GetValue(this.output) ?? Repository.Workspace.Task(name);
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
}
