using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cli.Commands;

/// <summary>Exports a run's synthetic samples (JSONL), metrics (CSV) or student checkpoint folder.</summary>
public sealed class ExportCommand : CliCommand
{
    private readonly Option<string> run = new("--run")
    {
        Description = "the run's id (see the runs command or the dashboard's Runs page)",
        Required = true,
    };
    private readonly Option<string> what = CliOptions.Choice("--what", "samples (JSONL), metrics (CSV) or student (a checkpoint folder)",
        "samples", "samples", "metrics", "student");
    private readonly Option<string?> output = CliOptions.Text("--out", "the file (or, for student, the folder) to write; samples and " +
        "metrics go to standard output without it");
    private readonly Option<string> store = CliOptions.NotAFolder(
        CliOptions.Text("--store", "the run store file", Repository.Workspace.Store), "promptdfd.db");

    public ExportCommand() : base("export", "export a run's samples (JSONL), metrics (CSV) or student checkpoint") =>
        AddOptions(run, what, output, store);

    protected override int Run(ParseResult parsed)
    {
        string id = parsed.GetValue(this.run)!, what = parsed.GetValue(this.what)!;
        string output = parsed.GetValue(this.output) ?? "";
        string storePath = parsed.GetValue(this.store)!;
        if (what != "student" && output.Length > 0 && Directory.Exists(output))
            throw new UsageException($"--out '{output}' is a folder; {what} are written to a file, e.g. " +
                $"{Path.Combine(output, what == "samples" ? $"{id}.jsonl" : $"{id}.csv")}.");
        using var store = new RunStore(storePath);
        RunRecord run = store.Get(id) ?? throw new ArgumentException($"There is no run '{id}' in {store.Path}.");
        switch (what)
        {
            case "samples":
                using (TextWriter writer = output.Length > 0 ? new StreamWriter(output)
                    : Console.Out) RunExports.WriteSamplesJsonlAsync(store, id, writer).GetAwaiter().GetResult();
                break;
            case "metrics":
                using (TextWriter writer = output.Length > 0 ? new StreamWriter(output)
                    : Console.Out) RunExports.WriteMetricsCsvAsync(store, id, writer).GetAwaiter().GetResult();
                break;
            case "student":
                if (run.StudentFolder is null
                    || !Directory.Exists(run.StudentFolder)) throw new ArgumentException($"Run {id} has no student checkpoint yet (it is " +
                        $"{run.Status.ToString().ToLowerInvariant()}); students are saved when a run completes.");
                if (output.Length == 0) throw new UsageException("--out <folder> is required for --what student.");
                Directory.CreateDirectory(output);
                foreach (string file in Directory.GetFiles(run.StudentFolder)) File.Copy(file, Path.Combine(output, Path.GetFileName(file)),
                    overwrite: true);
                Console.WriteLine($"student checkpoint -> {output}");
                break;
        }
        return 0;
    }
}
