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
public static class PerplexityCommand
{
    public static int Run(CommandArguments arguments)
    {
        string model = arguments.String("model", Repository.Workspace.Prior);
        string split = arguments.String("split", "dev");
        var tasks = arguments.String("tasks", "sentiment,genre,ontology")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        TorchRuntime.ConfigureThreads(arguments.Int("threads", 0));
        arguments.RejectUnknown();
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
