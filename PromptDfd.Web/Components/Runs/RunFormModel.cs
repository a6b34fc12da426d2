using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Runs;

namespace PromptDfd.Web.Components.Runs;

/// <summary>
/// The New-run form's editable copy of a <see cref="RunConfig"/>. Fields the form does not show (AS-DFD details,
/// scheduled steering, ...) are carried over from the config it started from.
/// </summary>
public sealed class RunFormModel
{
    private RunConfig basis = new();

    public string Name { get; set; } = "";
    public string Task { get; set; } = "sentiment";
    public string Preset { get; set; } = RunPresets.Default;
    public long Seed { get; set; } = 1;
    public string Device { get; set; } = "cpu";
    public string PriorFolder { get; set; } = "models/prior";
    /// <summary>Empty: the task's own teacher (models/teachers/&lt;task&gt;).</summary>
    public string TeacherFolder { get; set; } = "";
    public string Tags { get; set; } = "";
    public int Steps { get; set; }
    public int SamplesPerStep { get; set; }
    public int PrompterUpdates { get; set; }
    public int StudentUpdates { get; set; }
    public int EvaluateEvery { get; set; }
    public int CheckpointEvery { get; set; }
    public int PromptLength { get; set; }
    public int PrefixLength { get; set; }
    public int TrainableBlocks { get; set; }
    public double PrompterLearningRate { get; set; }
    public double EntropyBonus { get; set; }
    public int WarmStartSteps { get; set; }
    public WarmStartPrompts WarmStartFrom { get; set; }
    public double PrompterTopP { get; set; }
    public PolicyAlgorithm Algorithm { get; set; }
    public double Relevance { get; set; }
    public double Hardness { get; set; }
    public double Plausibility { get; set; }
    /// <summary>KL budget in nats for an adaptive β; 0 keeps β fixed.</summary>
    public double PlausibilityTargetKl { get; set; }
    public double Diversity { get; set; }
    public int ContentTokens { get; set; }
    public double ContentTemperature { get; set; }
    public double ContentTopP { get; set; }
    /// <summary>Teacher-guided decoding weight λ; 0 leaves the prior alone.</summary>
    public double GuidanceWeight { get; set; }
    public double DistillationTemperature { get; set; }
    public double StudentLearningRate { get; set; }
    public int StudentBatch { get; set; }
    public int ReplayCapacity { get; set; }
    public double ReplayFraction { get; set; }
    public int StudentLayers { get; set; }
    public int StudentWidth { get; set; }
    public int StudentHeads { get; set; }
    /// <summary>Per class label: initial topic prompts, one per line.</summary>
    public Dictionary<string, string> TopicPrompts { get; set; } = new();

    public static RunFormModel From(RunConfig config)
    {
        var model = new RunFormModel();
        model.Load(config);
        return model;
    }

    public void Load(RunConfig config)
    {
        MethodConfig t = config.Training;
        basis = config;
        Apply(new RunFormModel
        {
            Name = config.Name,
            Task = config.Task,
            Preset = config.Preset,
            Seed = t.Seed,
            Device = config.Device,
            Tags = string.Join(", ", config.Tags),
            PriorFolder = config.PriorFolder,
            TeacherFolder = config.TeacherFolder,
            Steps = t.Schedule.Steps,
            SamplesPerStep = t.Schedule.SamplesPerStep,
            PrompterUpdates = t.Schedule.PrompterUpdates,
            StudentUpdates = t.Schedule.StudentUpdates,
            EvaluateEvery = t.Schedule.EvaluateEvery,
            CheckpointEvery = t.Schedule.CheckpointEvery,
            PromptLength = t.Prompter.PromptLength,
            PrefixLength = t.Prompter.PrefixLength,
            TrainableBlocks = t.Prompter.TrainableBlocks,
            PrompterLearningRate = t.Prompter.LearningRate,
            EntropyBonus = t.Prompter.EntropyBonus,
            Algorithm = t.Prompter.Algorithm,
            WarmStartSteps = t.Prompter.WarmStartSteps,
            WarmStartFrom = t.Prompter.WarmStartFrom,
            PrompterTopP = t.Prompter.Sampling.TopP,
            Relevance = t.Reward.Relevance,
            Hardness = t.Reward.Hardness,
            Plausibility = t.Reward.Plausibility,
            PlausibilityTargetKl = t.Reward.PlausibilityTargetKl,
            Diversity = t.Reward.Diversity,
            ContentTokens = t.Content.MaxNewTokens,
            ContentTemperature = t.Content.Temperature,
            ContentTopP = t.Content.TopP,
            GuidanceWeight = t.Guidance.Weight,
            DistillationTemperature = t.Distillation.Temperature,
            StudentLearningRate = t.Distillation.LearningRate,
            StudentBatch = t.Distillation.BatchSize,
            ReplayCapacity = t.Distillation.ReplayCapacity,
            ReplayFraction = t.Distillation.ReplayFraction,
            StudentLayers = config.Student.Layers,
            StudentWidth = config.Student.Width,
            StudentHeads = config.Student.Heads,
            TopicPrompts = t.TopicPrompts.ToDictionary(p => p.Key, p => string.Join('\n', p.Value)),
        });
    }

    private void Apply(RunFormModel values)
    {
        foreach (var property in typeof(RunFormModel).GetProperties().Where(p => p.CanWrite)) property.SetValue(this,
            property.GetValue(values));
    }

    /// <summary>Re-applies a preset to the current values (a preset changes the method and its switches, nothing else).</summary>
    public void ApplyPreset(string preset)
    {
        RunConfig current = ToConfig();
        RunConfig reset = current with
        {
            Preset = preset,
            Training = RunPresets.Get(preset).Apply(current.Training with
            {
                Reward = current.Training.Reward with
                {
                    Hardness = preset == "promptdfd-no-hardness" ? 0 : new RewardConfig().Hardness,
                    Plausibility = preset == "promptdfd-no-plausibility" ? 0 : new RewardConfig().Plausibility
                },
                Schedule = current.Training.Schedule with
                {
                    PrompterUpdates = preset == "promptdfd-no-rl" ? 0
                : Math.Max(1, current.Training.Schedule.PrompterUpdates)
                },
                Prompter = current.Training.Prompter with { WarmStartSteps = new PrompterConfig().WarmStartSteps },
            })
        };
        Load(reset);
    }

    public RunConfig ToConfig() => basis with
    {
        Name = Name.Trim(),
        Task = Task,
        Preset = Preset,
        Device = Device,
        PriorFolder = PriorFolder,
        TeacherFolder = TeacherFolder,
        Tags = Tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Student = basis.Student with { Layers = StudentLayers, Width = StudentWidth, Heads = StudentHeads },
        Training = basis.Training with
        {
            Seed = Seed,
            Schedule = basis.Training.Schedule with
            {
                Steps = Steps,
                SamplesPerStep = SamplesPerStep,
                PrompterUpdates = PrompterUpdates,
                StudentUpdates = StudentUpdates,
                EvaluateEvery = EvaluateEvery,
                CheckpointEvery = CheckpointEvery
            },
            Prompter = basis.Training.Prompter with
            {
                PromptLength = PromptLength,
                PrefixLength = PrefixLength,
                TrainableBlocks = TrainableBlocks,
                LearningRate = PrompterLearningRate,
                EntropyBonus = EntropyBonus,
                Algorithm = Algorithm,
                WarmStartSteps = WarmStartSteps,
                WarmStartFrom = WarmStartFrom,
                Sampling = basis.Training.Prompter.Sampling with { TopP = PrompterTopP }
            },
            Reward = basis.Training.Reward with
            {
                Relevance = Relevance,
                Hardness = Hardness,
                Plausibility = Plausibility,
                PlausibilityTargetKl = PlausibilityTargetKl,
                Diversity = Diversity
            },
            Content = basis.Training.Content with { MaxNewTokens = ContentTokens, Temperature = ContentTemperature, TopP = ContentTopP },
            Guidance = basis.Training.Guidance with { Weight = GuidanceWeight },
            Distillation = basis.Training.Distillation with
            {
                Temperature = DistillationTemperature,
                LearningRate = StudentLearningRate,
                BatchSize = StudentBatch,
                ReplayCapacity = ReplayCapacity,
                ReplayFraction = ReplayFraction
            },
            TopicPrompts = TopicPrompts
                .Select(p => (p.Key, Lines: p.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                .Where(p => p.Lines.Length > 0).ToDictionary(p => p.Key, p => p.Lines),
        },
    };

    /// <summary>Every problem with the values, as messages that say what to change (empty when the run can start).</summary>
    public IReadOnlyList<string> Problems(GptConfig? prior, IReadOnlyList<string> labels)
    {
        var problems = new List<string>();
        RunConfig config = ToConfig();
        MethodConfig t = config.Training;
        Collect(problems, config.Validate);
        Collect(problems, t.Schedule.Validate);
        Collect(problems, t.Reward.Validate);
        Collect(problems, t.Content.Validate);
        Collect(problems, t.Guidance.Validate);
        Collect(problems, t.Distillation.Validate);
        if (prior is not null)
        {
            Collect(problems, () => t.Prompter.Validate(prior));
            if (problems.Count == 0) Collect(problems, () => t.Validate(prior));
        }
        foreach (var (label, prompts) in config.Training.TopicPrompts)
        {
            if (!labels.Contains(label)) problems.Add($"Topic prompts for '{label}', which is not a class of {Task}");
            foreach (string prompt in prompts.Where(p => p.Length > PromptSteering.MaximumPromptCharacters))
                problems.Add($"A topic prompt for '{label}' is longer than {PromptSteering.MaximumPromptCharacters} characters: " +
                    $"\"{prompt[..40]}…\"");
        }
        return problems;
    }

    private static void Collect(List<string> problems, Action validate)
    {
        try { validate(); }
        catch (ArgumentException error)
        {
            string message = error.Message;
            int colon = message.IndexOf(": ", StringComparison.Ordinal);
            string body = message.StartsWith("Invalid ", StringComparison.Ordinal) && colon > 0 ? message[(colon + 2)..] : message;
            problems.AddRange(body.TrimEnd('.').Split("; ", StringSplitOptions.RemoveEmptyEntries));
        }
    }
}
