using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Data.Preparation;

namespace PromptDfd.Cli.Commands;

public static class DataCommand
{
    public static int Run(CommandArguments arguments)
    {
        string root = arguments.String("data", Repository.Workspace.Data);
        bool tasksOnly = arguments.Flag("tasks-only");
        string priorSources = arguments.String("prior-sources", string.Join(',', DataPreparation.DefaultPriorSources));
        string priorOut = arguments.String("prior-out", Path.Combine(root, "prior"));
        arguments.RejectUnknown();
        var preparation = new DataPreparation(root, Console.WriteLine);
        var fetcher = new PackageFetcher(preparation.RawFolder, Console.WriteLine);
        var tasks = preparation.BuildTasks(fetcher);
        if (!tasksOnly)
            preparation.BuildPrior(fetcher, tasks, priorSources.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                priorOut);
        return 0;
    }
}
