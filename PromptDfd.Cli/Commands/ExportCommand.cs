using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Cli.Commands;

/// <summary>Exports a run's synthetic samples (JSONL), metrics (CSV) or student checkpoint folder.</summary>
public static class ExportCommand
{
    public static int Run(CommandArguments arguments)
    {
        string id = arguments.String("run", "");
        string what = arguments.String("what", "samples");
        string output = arguments.String("out", "");
        string storePath = arguments.String("store", Path.Combine(Repository.Workspace.Root, "runs", "promptdfd.db"));
        arguments.RejectUnknown();
        if (id.Length == 0) throw new UsageException("--run <id> is required (see the runs command or the dashboard's Runs page).");
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
            default:
                throw new UsageException($"--what must be samples, metrics or student (got '{what}').");
        }
        return 0;
    }
}
