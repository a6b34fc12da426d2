using System.CommandLine;
using System.Globalization;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;

namespace PromptDfd.Cli.Commands;

/// <summary>
/// How well a language model knows the register of each task: its perplexity on the task's real texts. A prior that finds
/// a task's text unlikely cannot write text the task's teacher reads as a class.
/// </summary>
public sealed class PerplexityCommand : CliCommand
{
    private readonly Option<string> model = CliOptions.Text("--model", "a language model checkpoint folder", Repository.Workspace.Prior);
    private readonly Option<string> split = SplitOption.Create();
    private readonly Option<string> tasks = CliOptions.Text("--tasks", "tasks by name, separated by commas", "sentiment,genre,ontology");
    private readonly Option<int> threads = CliOptions.Threads();

    public PerplexityCommand() : base("perplexity", "a language model's perplexity on each task's real texts: how well it knows their " +
        "register") => AddOptions(model, split, tasks, threads);

    protected override int Run(ParseResult parsed)
    {
        string model = parsed.GetValue(this.model)!, split = parsed.GetValue(this.split)!;
        var tasks = CliOptions.Names(parsed.GetValue(this.tasks)!);
        TorchRuntime.ConfigureThreads(parsed.GetValue(threads));
        LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(model);
        Console.WriteLine($"| task | {split} texts | perplexity of {model} |");
        Console.WriteLine("|---|---|---|");
        foreach (string name in tasks)
        {
            TaskDataset task = TaskDataset.Load(Repository.Workspace.Task(name));
            IReadOnlyList<LabeledExample> texts = SplitChoice.Of(task, split);
            double perplexity = PriorPerplexity.Of(prior.Model, prior.Tokenizer,
                texts.Select(e => (IReadOnlyList<int>)prior.Tokenizer.Encode(e.Text).ToArray()).ToList());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {texts.Count} | {perplexity:F1} |"));
        }
        return 0;
    }
}
