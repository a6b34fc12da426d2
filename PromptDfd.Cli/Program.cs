using PromptDfd.Cli;
using PromptDfd.Cli.Arguments;
using PromptDfd.Cli.Commands;
using PromptDfd.Engine.Infrastructure;

TorchRuntime.EnableHugePageTensors();

var commands = new Dictionary<string, (string Help, Func<CommandArguments, int> Run)>(StringComparer.Ordinal)
{
    ["data"] = ("fetch pinned packages, build the tasks (data/tasks) and the prior corpus (data/prior)", DataCommand.Run),
    ["tokenizer"] = ("train the shared byte-level BPE on the prior corpus (models/tokenizer)", TokenizerCommand.Run),
    ["pretrain"] = ("pre-train the GPT language prior (models/prior)", PretrainCommand.Run),
    ["bench"] = ("measure matmul peak, training MFU, KV-cache generation and classifier throughput (docs/benchmarks.md)", BenchCommand.Run),
    ["train-teacher"] = ("fine-tune a teacher for a task from the prior and compare it with Naive Bayes (models/teachers/<task>)",
        TrainTeacherCommand.Run),
    ["soup-teachers"] = ("average teachers fine-tuned from the same prior into one (--teachers a,b,c; greedy on dev) and compare it with " +
        "Naive Bayes", SoupTeachersCommand.Run),
    ["cross-validate-teacher"] =
        ("cross-validate a teacher recipe (train-teacher options) against Naive Bayes in --folds folds by document of train + dev",
            CrossValidateTeacherCommand.Run),
    ["evaluate"] = ("score a classifier checkpoint on a task split (--model, --task, --split dev|test) next to Naive Bayes, and against " +
        "another (--against); --predictions <file.jsonl> writes every text's probabilities", EvaluateCommand.Run),
    ["compare-weights"] =
        ("compare two checkpoints of one architecture value by value (--model, --against): how many values differ, and by how many " +
            "rounding steps", CompareWeightsCommand.Run),
    ["register"] = ("register your own CSV/JSONL dataset as a task (data/tasks/<name>)", RegisterTaskCommand.Run),
    ["convert"] = ("store a checkpoint's weights as float16 or float32 (shipped models use float16)", ConvertCommand.Run),
    ["mine-prompts"] = ("show the words the teacher reads as each class (the prompter's starting topics); --probe \"It was {0}.\" " +
        "measures how often the prior's continuations of a prompt form keep the class", MinePromptsCommand.Run),
    ["perplexity"] = ("a language model's perplexity on each task's real texts (--model, --tasks, --split dev|test): how well it knows "
        + "their register", PerplexityCommand.Run),
    ["generate"] = ("sample continuations of a prompt from a language model checkpoint", GenerateCommand.Run),
    ["run"] = ("run PromptDFD or a baseline headless (--preset, --task, --seed, --config file, --set Key=Value, --resume id)",
        RunCommand.Run),
    ["runs"] = ("list the runs in the run store", RunsCommand.Run),
    ["export"] = ("export a run's samples (JSONL), metrics (CSV) or student checkpoint", ExportCommand.Run),
    ["experiment"] = ("run the results table (teacher, KD, baselines, PromptDFD, ablations x tasks x seeds) into docs/results.md; " +
        "--report-only re-renders it from finished runs", ExperimentCommand.Run),
    ["info"] = ("show libtorch, device and thread information", InfoCommand.Run),
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    bool askedForHelp = args.Length == 0 || args[0] is "-h" or "--help" or "help";
    if (!askedForHelp) Console.Error.WriteLine($"Unknown command '{args[0]}'.");
    Console.WriteLine("usage: promptdfd <command> [--option value ...]\n");
    foreach (var (name, (help, _)) in commands) Console.WriteLine($"  {name,-22} {help}");
    return askedForHelp ? 0 : 2;
}

try
{
    return command.Run(new CommandArguments(args.Skip(1)));
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
