using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Runs;

/// <summary>A run's loaded task and models, and the hashes of everything it read.</summary>
public sealed record BuiltRun(RunConfig Config, TaskDataset Task, LoadedLanguageModel Prior, LoadedClassifier Teacher,
    GptClassifier Student,
    IReadOnlyDictionary<string, string> Hashes, Device Device, bool TeacherSharesTokenizer = true)
{
    public DistillationModels Models => new(Prior.Model, Teacher.Module, Student, Prior.Tokenizer, Task.Labels, TeacherSharesTokenizer
        ? null : Teacher.Tokenizer);
}

/// <summary>Turns a run config into loaded, checked models and data; every mismatch is reported with what to change.</summary>
public static class RunBuilder
{
    public static BuiltRun Build(RunConfig config, RunEnvironment environment)
    {
        config.Validate();
        string taskFolder = environment.TaskFolder(config);
        if (!Directory.Exists(taskFolder))
        {
            var known = environment.Workspace.TaskFolders().Select(Path.GetFileName);
            throw new ArgumentException($"Unknown task '{config.Task}'; known tasks: {string.Join(", ", known)} (shipped in " +
                $"{environment.Workspace.Tasks}, yours in {environment.Workspace.UserTasks}). " +
                $"Register your own with the register command or the Models & data page.");
        }
        TaskDataset task = TaskDataset.Load(taskFolder);
        Device device = TorchRuntime.ResolveDevice(config.Device);
        LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(environment.PriorFolder(config), device);
        string teacherFolder = environment.TeacherFolder(config);
        if (!Directory.Exists(teacherFolder))
            throw new ArgumentException($"Task '{config.Task}' has no teacher at {teacherFolder}; train one first (train-teacher --task " +
                $"{config.Task}, or the Models & data page).");
        LoadedClassifier teacher = Checkpoint.LoadClassifier(teacherFolder, device);
        RequireTheTasksLabels(teacherFolder, teacher.Labels, task.Info);
        bool sharesTokenizer = SharesTokenizer(environment.PriorFolder(config), teacherFolder);
        TeacherInput.RequireSupported(config.Training.Method, sharesTokenizer, teacher.Tokenizer.Description, prior.Tokenizer.Description);
        var unknownPromptClasses = config.Training.TopicPrompts.Keys.Except(task.Labels).ToList();
        if (unknownPromptClasses.Count > 0)
            throw new ArgumentException($"Topic prompts name classes the task does not have: {string.Join(", ", unknownPromptClasses)} " +
                $"(classes: {string.Join(", ", task.Labels)}).");
        var (student, studentBody) = StudentStart.Create(config, environment, prior, task.Labels.Count, device);
        var hashes = Hashes(task.Sha256(), prior.WeightsSha256, teacher.WeightsSha256, environment.PriorFolder(config), teacherFolder,
            studentBody);
        return new BuiltRun(config, task, prior, teacher, student, hashes, device, sharesTokenizer);
    }

    /// <summary>The hashes a run of this config would record, read from the files without loading any model:
    /// a finished run only stands for this config when they match (a retrained teacher makes it stale).</summary>
    public static IReadOnlyDictionary<string, string> InputHashes(RunConfig config, RunEnvironment environment) =>
        Hashes(TaskDataset.Load(environment.TaskFolder(config)).Sha256(),
            Checkpoint.WeightsSha256(environment.PriorFolder(config)),
            Checkpoint.WeightsSha256(environment.TeacherFolder(config)),
            environment.PriorFolder(config), environment.TeacherFolder(config),
            environment.StudentBodyFolder(config) is string body ? Checkpoint.WeightsSha256(body) : null);

    /// <summary>Whether the teacher turns text into the prior's ids, read from the tokenizer files without loading any model.</summary>
    public static bool SharesTokenizer(string priorFolder, string teacherFolder) =>
        TokenizerFactory.Fingerprint(priorFolder) == TokenizerFactory.Fingerprint(teacherFolder);

    /// <summary>
    /// Refuses, before a run is queued and from the files' headers alone, a teacher of other classes than the task's
    /// and a method the teacher cannot serve (see <see cref="TeacherInput.RequireSupported"/>).
    /// </summary>
    public static void CheckTeacher(RunConfig config, RunEnvironment environment)
    {
        string prior = environment.PriorFolder(config), teacher = environment.TeacherFolder(config);
        TaskInfo task = TaskDataset.LoadInfo(environment.TaskFolder(config));
        RequireTheTasksLabels(teacher, Checkpoint.ClassifierLabels(teacher) ?? [], task);
        bool shared = SharesTokenizer(prior, teacher);
        // The tokenizers are only read for the message.
        if (!TeacherInput.Supports(config.Training.Method, shared))
            TeacherInput.RequireSupported(config.Training.Method, shared, TokenizerFactory.FromFolder(teacher).Description,
                TokenizerFactory.FromFolder(prior).Description);
    }

    private static void RequireTheTasksLabels(string teacherFolder, IReadOnlyList<string> teacherLabels, TaskInfo task)
    {
        if (task.IsPredictedBy(teacherLabels)) return;
        throw new ArgumentException($"The teacher at {teacherFolder} predicts [{string.Join(", ", teacherLabels)}] but task " +
            $"'{task.Name}' has [{string.Join(", ", task.Labels)}]; " +
            "use the task's own teacher, or, for a downloaded checkpoint whose classes are these under other names, write the task's " +
                "labels in that order into id2label in its config.json.");
    }

    /// <remarks>A teacher with its own tokenizer adds that tokenizer's hash; runs whose teacher shares the prior's keep the hashes they
    /// always had; so does a student started from a language model's body.</remarks>
    private static Dictionary<string, string> Hashes(string task, string prior, string teacher, string priorFolder, string teacherFolder,
        string? studentBody)
    {
        var hashes = new Dictionary<string, string>
        {
            ["task"] = task,
            ["prior"] = prior,
            ["teacher"] = teacher,
            ["tokenizer"] = TokenizerHash(priorFolder),
        };
        if (!SharesTokenizer(priorFolder, teacherFolder)) hashes["teacher_tokenizer"] = TokenizerFactory.Fingerprint(teacherFolder);
        if (studentBody is not null) hashes["student_body"] = studentBody;
        return hashes;
    }

    /// <summary>
    /// The config as it will run: the workspace's prior when it names none; when it names no topic prompts, runs that use them (fixed
    /// prompts; PromptDFD with a
    /// warm start or pooled topic prompts) get the task's prompts.json, so the recorded config is complete.
    /// </summary>
    public static RunConfig Complete(RunConfig config, RunEnvironment environment)
    {
        MethodConfig t = config.Training;
        bool usesPrompts = t.Method == SynthesisMethod.FixedPrompts
                           || (t.Method == SynthesisMethod.PromptDfd && ((t.Prompter.WarmStartSteps > 0
                               && t.Prompter.WarmStartFrom == WarmStartPrompts.TopicPrompts) || t.PoolTopicPrompts));
        // The prior is written down as a path, so the record says which one a run read even if the settings change.
        if (config.PriorFolder.Length == 0) config = config with
        {
            PriorFolder = environment.Workspace.Relative(environment.Workspace.Prior)
        };
        if (!usesPrompts || t.TopicPrompts.Count > 0) return config;
        TaskDataset task = TaskDataset.Load(environment.TaskFolder(config));
        return config with { Training = config.Training with { TopicPrompts = TopicPromptFile.Load(task) } };
    }

    private static string TokenizerHash(string folder)
    {
        var files = TokenizerFactory.Files.Where(f => f != TokenizerFactory.SettingsFile).Select(f =>
            Path.Combine(folder, f)).Where(File.Exists).ToList();
        return files.Count == 0 ? "" : FileHash.Sha256(files);
    }
}
