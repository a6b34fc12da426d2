using System.CommandLine;
using System.CommandLine.Help;
using PromptDfd.Cli.Arguments;
using PromptDfd.Cli.Commands;
using PromptDfd.Engine.Infrastructure;

TorchRuntime.EnableHugePageTensors();

var root = new RootCommand("PromptDfd: prompt-based data-free knowledge distillation of text classifiers, headless. " +
    "'promptdfd <command> --help' describes a command's options.")
{
    new DataCommand(),
    new TokenizerCommand(),
    new PretrainCommand(),
    new BenchCommand(),
    new TrainTeacherCommand(),
    new SoupTeachersCommand(),
    new CrossValidateTeacherCommand(),
    new EvaluateCommand(),
    new CompareWeightsCommand(),
    new RegisterTaskCommand(),
    new ConvertCommand(),
    new MinePromptsCommand(),
    new PerplexityCommand(),
    new GenerateCommand(),
    new RunCommand(),
    new RunsCommand(),
    new ExportCommand(),
    new ExperimentCommand(),
    new WorkerCommand(),
    new InfoCommand(),
};

// No command, or "help", lists the commands.
ParseResult parsed = root.Parse(args is [] or ["help"] ? ["--help"] : args);
if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
    string command = parsed.CommandResult.Command == root ? "" : parsed.CommandResult.Command.Name + " ";
    Console.Error.WriteLine($"See 'promptdfd {command}--help'.");
    return 2;
}

try
{
    // Exceptions are handled below, so each is reported as one line saying what to fix.
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (UsageException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 2;
}
// A store damaged after it opened (a truncated or overwritten page) fails on first read, deep inside a command.
catch (LiteDB.LiteException error)
{
    Console.Error.WriteLine($"error: the run store is damaged ({error.Message}). Move runs/promptdfd.db (or the --store file) aside; " +
        "a new store is created on the next start, and the old file can be inspected with LiteDB's tools.");
    return 1;
}
// Bad input and unreadable files are reported as one line; anything else is a bug and keeps its stack trace.
catch (Exception error) when (error is InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException
                                   or InvalidOperationException or KeyNotFoundException)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}
