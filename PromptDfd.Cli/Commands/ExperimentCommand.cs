using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Cli.Output;
using PromptDfd.Cluster.Hosting;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Engine.Training;

namespace PromptDfd.Cli.Commands;

/// <summary>
/// The paper-style table: every preset on every task for every seed, same student and sample budget. Runs already
/// completed with an identical config are reused, so an interrupted experiment picks up where it stopped.
/// With --dataset, registers the file as a task, trains its teacher, and runs the table on it.
/// </summary>
public sealed class ExperimentCommand : CliCommand
{
    private readonly Option<string?> dataset = CliOptions.Text("--dataset", "your own CSV/JSONL file: registered as a task, its teacher " +
        "trained, and the table run on it");
    private readonly Option<string?> datasetName = CliOptions.Text("--name", "the task name for --dataset (default: the file's name)");
    private readonly Option<string> textColumn = CliOptions.Text("--text-column", "--dataset's text column", "text");
    private readonly Option<string> labelColumn = CliOptions.Text("--label-column", "--dataset's label column", "label");
    private readonly Option<string> tasks = CliOptions.Text("--tasks", "tasks by name, separated by commas", "sentiment,genre,ontology");
    private readonly Option<IReadOnlyList<long>?> seeds = CliOptions.Longs("--seeds", "seeds separated by commas (default: 1,2,3; 1,2 " +
        "for your own task)", "1,2,3");
    private readonly Option<string?> rows = CliOptions.Text("--rows", "presets separated by commas, or all (default: all; for your own " +
        "task " + string.Join(',', OwnTaskRows) + ")");
    private readonly Option<int?> steps = CliOptions.Steps("training steps of every cell (default: the run config's)");
    private readonly Option<string?> output = CliOptions.Text("--out", "the report to write (default: docs/results.md, or " +
        "workspace/reports/<task>/results.md for your own task)");
    private readonly Option<string?> notes = CliOptions.Text("--notes", "hand-written notes appended to the report (default: " +
        "results-notes.md beside it)");
    private readonly Option<bool> reportOnly = CliOptions.Switch("--report-only", "re-render the report from finished runs; run nothing");
    private readonly Option<string> shard = CliOptions.Text("--shard", "i/n: run every n-th cell from the i-th, to split the table " +
        "between processes", "1/1");
    private readonly RunOverrideOptions overrides = new();
    private readonly RunStoreOptions storeOptions = new();
    private readonly ClusterOptionSet cluster = new(required: false);

    public ExperimentCommand() : base("experiment", "run the results table (teacher, KD, baselines, PromptDFD, ablations x tasks x " +
        "seeds) into docs/results.md; reuses finished cells") => AddOptions([dataset, datasetName, textColumn, labelColumn, tasks, seeds,
        rows, steps, output, notes, reportOnly, shard, .. overrides.All, .. storeOptions.All, .. cluster.All]);

    protected override int Run(ParseResult parsed)
    {
        // The command that produced the runs (re-rendering with --report-only does not change it).
        string commandLine = "dotnet run --project PromptDfd.Cli -c Release -- experiment " + string.Join(' ',
            System.Environment.GetCommandLineArgs().Skip(2).Where(a => a != "--report-only"));
        string dataset = parsed.GetValue(this.dataset) ?? "";
        string datasetName = parsed.GetValue(this.datasetName) ?? (dataset.Length > 0 ? Path.GetFileNameWithoutExtension(dataset) : "");
        string textColumn = parsed.GetValue(this.textColumn)!, labelColumn = parsed.GetValue(this.labelColumn)!;
        var tasks = dataset.Length > 0 ? [datasetName] : CliOptions.Names(parsed.GetValue(this.tasks)!).ToList();
        // A user's own task gets its own report in the workspace, a shorter default table, and none of the project's notes.
        // Tasks, models and reports of the tree --root names (the repository by default).
        Workspace workspace = storeOptions.Workspace(parsed);
        bool ownTasks = tasks.Any(t => !workspace.IsShippedTask(t));
        string reportFolder = ownTasks ? workspace.Report(string.Join('+', tasks)) : workspace.Docs;
        IReadOnlyList<long> seeds = parsed.GetValue(this.seeds) ?? (ownTasks ? [1, 2] : [1, 2, 3]);
        string rowsOption = parsed.GetValue(rows) ?? (ownTasks ? string.Join(',', OwnTaskRows) : "all");
        int steps = parsed.GetValue(this.steps) ?? 0;
        var overrides = this.overrides.Read(parsed);
        string output = parsed.GetValue(this.output) ?? Path.Combine(reportFolder, "results.md");
        // Hand-written reading notes survive re-rendering: they live in their own file and are appended.
        string notes = parsed.GetValue(this.notes) ?? Path.Combine(reportFolder, ownTasks ? "notes.md" : "results-notes.md");
        bool reportOnly = parsed.GetValue(this.reportOnly);
        var (shard, shards) = ParseShard(parsed.GetValue(this.shard)!);
        ClusterSettings? clusterSettings = cluster.ReadOptional(parsed);
        using var session = RunSession.Open(storeOptions, parsed, clusterSettings);

        var presets = rowsOption == "all" ? RunPresets.All.Select(p => p.Name).ToList()
            : rowsOption.Split(',', StringSplitOptions.TrimEntries).ToList();
        presets.ForEach(p => RunPresets.Get(p));
        if (dataset.Length > 0) PrepareOwnTask(dataset, datasetName, textColumn, labelColumn);

        RunConfig baseConfig = ConfigOverrides.Apply(steps > 0
            ? new RunConfig { Training = new() { Schedule = new() { Steps = steps } } }
            : new RunConfig(), overrides);
        var cells = Plan(session, baseConfig, tasks, presets, seeds, shard, shards);
        int toRun = reportOnly ? 0 : cells.Count(c => c.Done is null && c.Mine);
        Console.WriteLine($"{cells.Count} cells: {cells.Count(c => c.Done is not null)} reused, {toRun} to run here" +
            (toRun == 0 ? "." : $"; {Estimate(cells.Where(c => c.Done is null && c.Mine).Select(c => c.Config))}."));
        var runs = new List<RunRecord>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int started = 0;
        foreach (Cell cell in cells)
        {
            if (cell.Done is not null)
            {
                Console.WriteLine($"reusing run {cell.Done.Id} ({cell.Preset}, {cell.Task}, seed {cell.Seed}): accuracy " +
                    $"{cell.Done.ReportedAccuracy:P1}");
                runs.Add(cell.Done);
                continue;
            }
            if (reportOnly || !cell.Mine) continue;
            RunRecord run = session.Manager.Submit(cell.Config);
            Console.WriteLine($"run {run.Id} ({cell.Preset}, {cell.Task}, seed {cell.Seed}), {++started} of {toRun}" +
                (clusterSettings is null ? "" : ": queued for the cluster's workers"));
            // On a cluster every cell is queued at once and the workers take them as they have room; here they run one by one.
            if (clusterSettings is not null)
            {
                runs.Add(run);
                continue;
            }
            runs.Add(session.Follow(run.Id, quiet: true));
            if (started < toRun)
                Console.WriteLine("  " + ProgressLine.Render("runs", started, toRun, clock.Elapsed));
        }
        if (clusterSettings is not null)
            for (int i = 0; i < runs.Count; i++)
                if (runs[i].IsActive) runs[i] = session.Follow(runs[i].Id, quiet: true);

        var real = tasks.Select(t => RealText(workspace, t)).ToList();
        string markdown = ResultsTable.Render(session.Store, runs, tasks, presets, real, commandLine, baseConfig.ToJson(),
            projectTargets: !ownTasks, split: baseConfig.Training.Schedule.EvaluateOn);
        if (File.Exists(notes)) markdown += "\n" + File.ReadAllText(notes);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, markdown);
        Console.WriteLine(markdown);
        Console.WriteLine($"wrote {output}");
        return runs.All(r => r.Status == RunStatus.Completed) ? 0 : 1;
    }

    /// <summary>The rows a user's own task gets unless --rows says otherwise: the method, what it must beat, and the
    /// data-driven upper bound (two seeds: about 30 minutes on 2 cores at the default budget).</summary>
    public static readonly string[] OwnTaskRows = ["promptdfd", "promptdfd-no-rl", "unconditional-prior", "fixed-prompts", "data-driven-kd"];

    /// <param name="Mine">whether this process runs the cell under --shard</param>
    private sealed record Cell(string Task, string Preset, long Seed, RunConfig Config, RunRecord? Done, bool Mine);

    // Seed-major order: after the first seed the whole table has one value per cell, later seeds add the spread.
    private static List<Cell> Plan(RunSession session, RunConfig baseConfig, IReadOnlyList<string> tasks, IReadOnlyList<string> presets,
        IReadOnlyList<long> seeds, int shard, int shards)
    {
        var cells = new List<Cell>();
        int index = 0;
        foreach (long seed in seeds)
            foreach (string task in tasks)
                foreach (string preset in presets)
                {
                    bool mine = index++ % shards == shard - 1;
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
                    // Several processes may split the cells (--shard); each reuses what the others finished.
                    RunRecord? done = FinishedRuns.Matching(session.Store.All(), config, session.Manager.Environment);
                    cells.Add(new Cell(task, preset, seed, config, done, mine));
                }
        return cells;
    }

    /// <summary>A rough wall time before anything has run, from the default run's ~1.4 s per step on 2 cores (AS-DFD's
    /// optimisation about 5 times that); the pace measured after the first run replaces it.</summary>
    private static string Estimate(IEnumerable<RunConfig> configs)
    {
        double seconds = configs.Sum(c => c.Training.Schedule.Steps * (c.Training.Method == SynthesisMethod.AsDfd ? 7.0 : 1.4));
        return $"roughly {Math.Max(1, seconds / 60):F0} minutes on 2 cores (printed again from the measured pace after each run)";
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
        if (Repository.Workspace.IsShippedTask(name))
            throw new UsageException($"'{name}' is a shipped task; give your dataset its own --name.");
        if (!Directory.Exists(taskFolder))
        {
            TaskRegistration.RegisterInto(taskFolder, file, name, textColumn, labelColumn);
            Console.WriteLine($"registered task '{name}' -> {taskFolder}");
        }
        else
        {
            // Reusing a task, its teacher and its finished runs is only right when they were made from this very data.
            TaskDataset existing = TaskDataset.Load(taskFolder), fresh = TaskRegistration.Register(file, name, textColumn, labelColumn);
            bool same = existing.Splits.Train.SequenceEqual(fresh.Splits.Train) && existing.Splits.Dev.SequenceEqual(fresh.Splits.Dev)
                && existing.Splits.Test.SequenceEqual(fresh.Splits.Test);
            if (!same)
                throw new UsageException($"A task named '{name}' already exists ({taskFolder}) with other data than '{file}'; give this " +
                    $"dataset another --name, or delete that folder (and its teacher, {Repository.Workspace.Teacher(name)}) to replace it.");
            Console.WriteLine($"task '{name}' already holds this data; reusing it -> {taskFolder}");
        }
        string teacherFolder = Repository.Workspace.Teacher(name);
        if (!File.Exists(Path.Combine(teacherFolder, Checkpoint.ConfigFile)))
            TeacherTraining.Train(TaskDataset.Load(taskFolder), Repository.Workspace.Prior, teacherFolder, new ClassifierTrainingConfig(),
                TorchRuntime.ResolveDevice("auto"), Console.WriteLine);
        MinedTaskPrompts.WriteIfMissing(taskFolder, Repository.Workspace.Prior, teacherFolder, TorchRuntime.ResolveDevice("auto"),
            Console.WriteLine);
    }

    /// <summary>Perplexity, self-BLEU and distinct-2 of the real test texts, the yardstick for synthetic text.</summary>
    private static RealTextQuality RealText(Workspace workspace, string taskName)
    {
        TaskDataset task = TaskDataset.Load(workspace.Task(taskName));
        LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(workspace.Prior);
        var sample = task.Splits.Test.Take(128).Select(e => e.Text).ToList();
        double perplexity = PriorPerplexity.Of(prior.Model, prior.Tokenizer,
            sample.Select(t => (IReadOnlyList<int>)prior.Tokenizer.Encode(t).ToArray()).ToList());
        return new RealTextQuality(taskName, perplexity, SynthesisMetrics.SelfBleu(sample.Take(64).ToList()),
            SynthesisMetrics.DistinctN(sample, 2));
    }
}
