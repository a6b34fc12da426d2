using Microsoft.Extensions.Options;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Training;

namespace PromptDfd.Web.Services;

public enum TeacherJobStatus { Running, Completed, Failed }

public sealed class TeacherJob
{
    private readonly List<string> log = [];
    public required string Task { get; init; }
    public TeacherJobStatus Status { get; internal set; }
    public string? Error { get; internal set; }
    public TeacherTrainingResult? Result { get; internal set; }
    /// <summary>Completes when the job has ended, whether it succeeded or failed (see <see cref="Status"/>).</summary>
    public System.Threading.Tasks.Task Finished { get; internal set; } = System.Threading.Tasks.Task.CompletedTask;
    public IReadOnlyList<string> Log { get { lock (log) return log.ToList(); } }
    internal void Add(string line) { lock (log) log.Add(line); }
}

/// <summary>
/// Registers uploaded datasets as tasks and trains their teachers one at a time on the process's libtorch thread, taking
/// turns with a running run, and reports progress lines to whoever listens (the Models &amp; data page).
/// </summary>
public sealed class TeacherJobs(IOptions<DashboardOptions> options, TorchJobQueue torch)
{
    private readonly Lock gate = new();
    public TeacherJob? Current { get; private set; }
    public event Action? Changed;

    /// <summary>Validates the file and writes the task folder; throws with the file's problems (encoding, columns, empty texts, one
    /// class...).</summary>
    public Registration Register(string file, string name, RegistrationOptions registration)
    {
        Workspace workspace = options.Value.Workspace();
        if (workspace.IsShippedTask(name)) throw new ArgumentException($"'{name}' is a shipped task; give your dataset its own name.");
        return TaskRegistration.RegisterInto(workspace.Task(name), file, name, registration);
    }

    public string TeacherFolder(string taskName) => options.Value.Workspace().Teacher(taskName);

    /// <param name="baseFolder">what to fine-tune: a language model or BERT-family checkpoint; null for the prior under the models
    /// folder</param>
    /// <param name="replaceExisting">
    /// A task's teacher may be a shipped, committed file that runs name by its hash; training over it must be asked for.
    /// </param>
    /// <param name="searchBudget">when given, the recipe and its neighbours are tried within this time and the best on dev kept
    /// (<see cref="TeacherRecipeSearch"/>)</param>
    public TeacherJob Train(string taskName, ClassifierTrainingConfig config, bool replaceExisting = false, string? baseFolder = null,
        TimeSpan? searchBudget = null)
    {
        lock (gate)
        {
            if (Current is { Status: TeacherJobStatus.Running }) throw new InvalidOperationException($"The teacher for '{Current.Task}' " +
                $"is still training; wait for it to finish.");
            string existing = Path.Combine(TeacherFolder(taskName), Engine.Models.Checkpoint.ConfigFile);
            if (!replaceExisting && File.Exists(existing))
                throw new ArgumentException($"'{taskName}' already has a teacher ({TeacherFolder(taskName)}); training would replace it. " +
                    $"Switch on 'Replace its teacher' to go ahead. Runs made with the old teacher keep its hash in their records.");
            config.Validate();
            var job = new TeacherJob { Task = taskName, Status = TeacherJobStatus.Running };
            Current = job;
            job.Finished = torch.Invoke($"teacher {taskName}", TorchJobPriority.Training, config.Seed,
                () => Run(job, config, baseFolder, searchBudget));
            return job;
        }
    }

    private void Run(TeacherJob job, ClassifierTrainingConfig config, string? baseFolder, TimeSpan? searchBudget)
    {
        try
        {
            var workspace = options.Value.Workspace();
            TaskDataset task = TaskDataset.Load(workspace.Task(job.Task));
            string output = workspace.Teacher(job.Task);
            void Log(string line) { job.Add(line); Changed?.Invoke(); }
            var device = TorchRuntime.ResolveDevice(options.Value.Device);
            string from = baseFolder ?? workspace.Prior;
            job.Result = searchBudget is TimeSpan budget
                ? TeacherRecipeSearch.Run(task, from, output, config, budget, device, Log).Kept
                : TeacherTraining.Train(task, from, output, config, device, Log);
            MinedTaskPrompts.WriteIfMissing(workspace.Task(job.Task), workspace.Prior, output, device, Log);
            job.Status = TeacherJobStatus.Completed;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            job.Error = error.Message;
            job.Status = TeacherJobStatus.Failed;
        }
        Changed?.Invoke();
    }
}
