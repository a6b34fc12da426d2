using System.CommandLine;
using System.Globalization;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cli.Commands;

/// <summary>Lists the runs in the store, newest first.</summary>
public sealed class RunsCommand : CliCommand
{
    private readonly Option<string> store = CliOptions.NotAFolder(
        CliOptions.Text("--store", "the run store file", Repository.Workspace.Store), "promptdfd.db");
    private readonly Option<int> take = CliOptions.Whole("--take", "how many runs to list, newest first", 30, minimum: 1);

    public RunsCommand() : base("runs", "list the runs in the run store") => AddOptions(store, take);

    protected override int Run(ParseResult parsed)
    {
        string storePath = parsed.GetValue(this.store)!;
        int take = parsed.GetValue(this.take);
        using var store = new RunStore(storePath);
        var page = store.Query(new RunQuery { Take = take });
        Console.WriteLine($"{page.Total} runs in {store.Path}");
        foreach (RunRecord r in page.Items)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Id}  {Status(r),-11} {r.Task,-10} {r.Preset,-26} seed {r.Seed,-3} step {r.Step}/{r.TotalSteps}  acc " +
                    $"{r.ReportedAccuracy:P1}  {r.Name}"));
        if (page.Items.Any(Orphaned))
            Console.WriteLine("interrupted*: its process is gone (killed?); `run --resume <id>` continues it from its last checkpoint.");
        return 0;
    }

    /// <summary>A run whose process died still says running in the store until a run manager notices; say what it is.</summary>
    private static string Status(RunRecord run) => Orphaned(run) ? "interrupted*" : run.Status.ToString();

    private static bool Orphaned(RunRecord run) => run.IsActive && !ProcessOwner.IsAlive(run.Owner);
}
