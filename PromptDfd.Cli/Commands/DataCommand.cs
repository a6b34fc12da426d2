using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Data.Preparation;

namespace PromptDfd.Cli.Commands;

public sealed class DataCommand : CliCommand
{
    private readonly Option<string> data = CliOptions.Text("--data", "the data folder to build into", Repository.Workspace.Data);
    private readonly Option<bool> tasksOnly = CliOptions.Switch("--tasks-only", "build the tasks only, not the prior corpus");
    private readonly Option<string> priorSources = CliOptions.Text("--prior-sources", "the prior corpus's sources, by name, separated " +
        "by commas (opt-in: dictionary, GCIDE's definitions; reviews, Amazon fine-food reviews)",
        string.Join(',', DataPreparation.DefaultPriorSources));
    private readonly Option<string?> priorOut = CliOptions.Text("--prior-out", "where to write the prior corpus (default: <data>/prior)");

    public DataCommand() : base("data", "fetch pinned packages, build the tasks (data/tasks) and the prior corpus (data/prior)") =>
        AddOptions(data, tasksOnly, priorSources, priorOut);

    protected override int Run(ParseResult parsed)
    {
        string root = parsed.GetValue(data)!;
        bool tasksOnly = parsed.GetValue(this.tasksOnly);
        string priorSources = parsed.GetValue(this.priorSources)!;
        string priorOut = parsed.GetValue(this.priorOut) ?? Path.Combine(root, "prior");
        var preparation = new DataPreparation(root, Console.WriteLine);
        var fetcher = new PackageFetcher(preparation.RawFolder, Console.WriteLine);
        var tasks = preparation.BuildTasks(fetcher);
        if (!tasksOnly)
            preparation.BuildPrior(fetcher, tasks, priorSources.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                priorOut);
        return 0;
    }
}
