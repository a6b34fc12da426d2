using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Engine.Training;

namespace PromptDfd.Cli.Commands;

/// <summary>
/// The paper-style table: every preset on every task for every seed, same student and sample budget. Runs already
/// completed with an identical config are reused, so an interrupted experiment picks up where it stopped.
/// With --dataset, registers the file as a task, trains its teacher, and runs the table on it.
/// </summary>
public static class ExperimentCommand
{
    public static int Run(CommandArguments arguments)
    {
        // The command that produced the runs (re-rendering with --report-only does not change it).
        string commandLine = "dotnet run --project PromptDfd.Cli -c Release -- experiment " + string.Join(' ',
            System.Environment.GetCommandLineArgs().Skip(2).Where(a => a != "--report-only"));
        var tasks = arguments.String("tasks", "sentiment,genre,ontology").Split(',',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var seeds = arguments.Longs("seeds", "1,2,3");
        string rowsOption = arguments.String("rows", "all");
        int steps = arguments.Steps() ?? 0;
        var overrides = arguments.RunConfigOverrides();
        string output = arguments.String("out", Path.Combine(Repository.Workspace.Docs, "results.md"));
        // Hand-written reading notes survive re-rendering: they live in their own file and are appended.
        string notes = arguments.String("notes", Path.Combine(Repository.Workspace.Docs, "results-notes.md"));
        string dataset = arguments.String("dataset", "");
        string datasetName = arguments.String("name", dataset.Length > 0 ? Path.GetFileNameWithoutExtension(dataset) : "");
        string textColumn = arguments.String("text-column", "text"), labelColumn = arguments.String("label-column", "label");
        bool reportOnly = arguments.Flag("report-only");
        var (shard, shards) = ParseShard(arguments.String("shard", "1/1"));
        using var session = RunSession.Open(arguments);
        arguments.RejectUnknown();

        var presets = rowsOption == "all" ? RunPresets.All.Select(p => p.Name).ToList()
            : rowsOption.Split(',', StringSplitOptions.TrimEntries).ToList();
        presets.ForEach(p => RunPresets.Get(p));
        if (dataset.Length > 0)
        {
            PrepareOwnTask(dataset, datasetName, textColumn, labelColumn);
            tasks = [datasetName];
        }

        RunConfig baseConfig = ConfigOverrides.Apply(steps > 0
            ? new RunConfig { Training = new() { Schedule = new() { Steps = steps } } }
            : new RunConfig(), overrides);
        var runs = new List<RunRecord>();
        int cell = 0;
        // Seed-major order: after the first seed the whole table has one value per cell, later seeds add the spread.
        foreach (long seed in seeds)
            foreach (string task in tasks)
                foreach (string preset in presets)
                {
                    // With --shard i/n, several processes split the cells; each reuses what the others finished.
                    bool mine = cell++ % shards == shard - 1;
                    RunConfig config = RunBuilder.Complete(baseConfig with
                    {
                        Task = task,
                        Preset = preset,
                        Tags = ["experiment"],
                        Training = RunPresets.Get(preset).Apply(baseConfig.Training) with { Seed = seed },
                    }, session.Manager.Environment);
                    if (!Serves(config, session.Manager.Environment))
                    {
                        Console.WriteLine($"skipping {preset} on {task}: its teacher has its own tokenizer, and AS-DFD feeds the teacher soft " +
                            $"tokens of the prior's vocabulary (the cell stays empty)");
                        continue;
                    }
                    RunRecord? done = FinishedRuns.Matching(session.Store.All(), config, session.Manager.Environment);
                    if (done is not null)
                    {
                        Console.WriteLine($"reusing run {done.Id} ({preset}, {task}, seed {seed}): accuracy {done.LastAccuracy:P1}");
                        runs.Add(done);
                        continue;
                    }
                    if (reportOnly || !mine) continue;
                    RunRecord run = session.Manager.Submit(config);
                    Console.WriteLine($"run {run.Id} ({preset}, {task}, seed {seed})");
                    runs.Add(session.Follow(run.Id, quiet: true));
                }

        var real = tasks.Select(t => RealText(t)).ToList();
        string markdown = ResultsTable.Render(session.Store, runs, tasks, presets, real, commandLine, baseConfig.ToJson());
        if (File.Exists(notes)) markdown += "\n" + File.ReadAllText(notes);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, markdown);
        Console.WriteLine(markdown);
        Console.WriteLine($"wrote {output}");
        return runs.All(r => r.Status == RunStatus.Completed) ? 0 : 1;
    }

    /// <summary>False for the one cell a teacher with its own tokenizer (a fine-tuned BERT) cannot take part in.</summary>
    private static bool Serves(RunConfig config, RunEnvironment environment) =>
        TeacherInput.Supports(config.Training.Method, RunBuilder.SharesTokenizer(environment.PriorFolder(config),
            environment.TeacherFolder(config)));

    private static (int Shard, int Shards) ParseShard(string value)
    {
        string[] parts = value.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int shard) && int.TryParse(parts[1], out int shards) && shards >= 1
            && shard >= 1 && shard <= shards)
            return (shard, shards);
        throw new ArgumentException($"--shard must look like i/n with 1 <= i <= n, e.g. 1/2 (got '{value}').");
    }

    private static void PrepareOwnTask(string file, string name, string textColumn, string labelColumn)
    {
        string taskFolder = Repository.Workspace.Task(name);
        if (!Directory.Exists(taskFolder))
        {
            TaskRegistration.RegisterInto(taskFolder, file, name, textColumn, labelColumn);
            Console.WriteLine($"registered task '{name}' -> {taskFolder}");
        }
        string teacherFolder = Repository.Workspace.Teacher(name);
        if (!File.Exists(Path.Combine(teacherFolder, Checkpoint.ConfigFile)))
            TeacherTraining.Train(TaskDataset.Load(taskFolder), Repository.Workspace.Prior, teacherFolder, new ClassifierTrainingConfig(),
                TorchRuntime.ResolveDevice("auto"), Console.WriteLine);
    }

    /// <summary>Perplexity, self-BLEU and distinct-2 of the real test texts, the yardstick for synthetic text.</summary>
    private static RealTextQuality RealText(string taskName)
    {
        TaskDataset task = TaskDataset.Load(Repository.Workspace.Task(taskName));
        LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(Repository.Workspace.Prior);
        var sample = task.Splits.Test.Take(128).Select(e => e.Text).ToList();
        double perplexity = PriorPerplexity.Of(prior.Model, prior.Tokenizer,
            sample.Select(t => (IReadOnlyList<int>)prior.Tokenizer.Encode(t).ToArray()).ToList());
        return new RealTextQuality(taskName, perplexity, SynthesisMetrics.SelfBleu(sample.Take(64).ToList()),
            SynthesisMetrics.DistinctN(sample, 2));
    }
}
