using System.Globalization;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cli.Commands;

/// <summary>Lists the runs in the store, newest first.</summary>
public static class RunsCommand
{
    public static int Run(CommandArguments arguments)
    {
        string storePath = arguments.String("store", Path.Combine(Repository.Workspace.Root, "runs", "promptdfd.db"));
        int take = arguments.Int("take", 30);
        arguments.RejectUnknown();
        using var store = new RunStore(storePath);
        var page = store.Query(new RunQuery { Take = take });
        Console.WriteLine($"{page.Total} runs in {store.Path}");
        foreach (RunRecord r in page.Items)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Id}  {r.Status,-11} {r.Task,-10} {r.Preset,-26} seed {r.Seed,-3} step {r.Step}/{r.TotalSteps}  acc " +
                    $"{r.LastAccuracy:P1}  {r.Name}"));
        return 0;
    }
}
