using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;

namespace PromptDfd.Engine.Method;

/// <summary>Student distillation settings (method.md, component 6).</summary>
public sealed record DistillationConfig
{
    public double Temperature { get; init; } = 3.0;
    public double LearningRate { get; init; } = 5e-4;
    public int BatchSize { get; init; } = 32;

    /// <summary>Synthetic samples kept for replay; each student batch mixes fresh samples with replayed ones.</summary>
    public int ReplayCapacity { get; init; } = 4096;

    /// <summary>Fraction of each student batch drawn from the replay buffer once it has samples.</summary>
    public double ReplayFraction { get; init; } = 0.5;

    public void Validate() => ConfigProblems.ThrowIfAny("distillation", Problems());

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Temperature <= 0) problems.Add($"Temperature must be positive (got {Temperature})");
        if (LearningRate <= 0) problems.Add($"LearningRate must be positive (got {LearningRate})");
        if (BatchSize < 1) problems.Add($"BatchSize must be at least 1 (got {BatchSize})");
        if (ReplayCapacity < 0) problems.Add($"ReplayCapacity must be non-negative (got {ReplayCapacity})");
        if (ReplayFraction is < 0 or > 1) problems.Add($"ReplayFraction must be in [0, 1] (got {ReplayFraction})");
        return problems;
    }
}

/// <summary>The alternating schedule (method.md, component 7).</summary>
public sealed record ScheduleConfig
{
    public int Steps { get; init; } = 200;

    /// <summary>Synthetic samples generated per step (one prompt and one content each).</summary>
    public int SamplesPerStep { get; init; } = 32;

    /// <summary>N_p: prompter updates per step.</summary>
    public int PrompterUpdates { get; init; } = 1;

    /// <summary>N_s: student updates per step.</summary>
    public int StudentUpdates { get; init; } = 2;

    /// <summary>E: evaluate the student on the real test split every E steps (and at the end).</summary>
    public int EvaluateEvery { get; init; } = 20;

    /// <summary>The real split the student is evaluated on: "test" (reported results) or "dev" (for choosing hyper-parameters without
    /// touching test).</summary>
    public string EvaluateOn { get; init; } = "test";

    /// <summary>Save a resumable checkpoint every this many steps; random sources are re-seeded at the same boundaries so a resumed run
    /// continues exactly.</summary>
    public int CheckpointEvery { get; init; } = 20;

    /// <summary>How many recent synthetic samples the synthesis-quality metrics (confidence, balance, distinct-n, self-BLEU, perplexity)
    /// look at.</summary>
    public int QualityWindow { get; init; } = 128;

    public void Validate() => ConfigProblems.ThrowIfAny("schedule", Problems());

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Steps < 1) problems.Add($"Steps must be at least 1 (got {Steps})");
        if (SamplesPerStep < 1) problems.Add($"SamplesPerStep must be at least 1 (got {SamplesPerStep})");
        if (PrompterUpdates < 0 || StudentUpdates < 0) problems.Add("PrompterUpdates and StudentUpdates must be non-negative");
        if (EvaluateEvery < 1) problems.Add($"EvaluateEvery must be at least 1 (got {EvaluateEvery})");
        if (EvaluateOn is not ("test" or "dev")) problems.Add($"EvaluateOn must be test or dev (got '{EvaluateOn}')");
        if (CheckpointEvery < 1) problems.Add($"CheckpointEvery must be at least 1 (got {CheckpointEvery})");
        if (QualityWindow < 2) problems.Add($"QualityWindow must be at least 2 (got {QualityWindow})");
        return problems;
    }
}

/// <summary>Everything a PromptDFD run is, besides its models and data; saved whole with the run.</summary>
public sealed record MethodConfig
{
    public SynthesisMethod Method { get; init; } = SynthesisMethod.PromptDfd;

    /// <summary>
    /// Hand-written topic prompts per class label. For FixedPrompts they are the prompts; for PromptDFD they
    /// warm-start the prompter (Prompter.WarmStartSteps) and, with PoolTopicPrompts, join the manual prompt pool.
    /// Empty means the task's prompts.json when the method needs prompts.
    /// </summary>
    public IReadOnlyDictionary<string, string[]> TopicPrompts { get; init; } = new Dictionary<string, string[]>();

    /// <summary>PromptDFD: also put <see cref="TopicPrompts"/> into the manual prompt pool (otherwise they only warm-start the
    /// prompter).</summary>
    public bool PoolTopicPrompts { get; init; }

    /// <summary>Fraction of a class's samples that use a manual (added) prompt when the class has any; pinned prompts are always used once
    /// per step.</summary>
    public double ManualPromptFraction { get; init; } = 0.25;

    /// <summary>Reward subtracted from a prompt the user banned, so the prompter learns to avoid it.</summary>
    public double BannedPromptPenalty { get; init; } = 5.0;

    /// <summary>Prompt changes to apply at given steps: how a run with manual interventions is replayed.</summary>
    public IReadOnlyList<ScheduledSteering> Steering { get; init; } = [];

    public AsDfdConfig AsDfd { get; init; } = new();
    public PrompterConfig Prompter { get; init; } = new();
    public RewardConfig Reward { get; init; } = new();

    /// <summary>How the frozen prior writes the content after the prompt.</summary>
    public SamplingConfig Content { get; init; } = new() { Temperature = 1.0, TopP = 0.95, MaxNewTokens = 32 };

    /// <summary>Teacher-guided decoding of the content for methods that write for a class (PromptDFD, fixed prompts); off by
    /// default.</summary>
    public GuidanceConfig Guidance { get; init; } = new();

    /// <summary>Best-of-N content for methods that write for a class (PromptDFD, fixed prompts); off by default.</summary>
    public SelectionConfig Selection { get; init; } = new();

    public DistillationConfig Distillation { get; init; } = new();
    public ScheduleConfig Schedule { get; init; } = new();
    public long Seed { get; init; } = 1;

    public void Validate(GptConfig prior) => ConfigProblems.ThrowIfAny("method", Problems(prior));

    /// <summary>Every problem with these values, each saying what to change; empty when they are valid.</summary>
    /// <param name="prior">the language prior's shape, which prompt and content lengths must fit; null leaves those checks out</param>
    public IReadOnlyList<string> Problems(GptConfig? prior)
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Method)) problems.Add($"Unknown synthesis method {Method}; use one of " +
            $"{string.Join(", ", Enum.GetNames<SynthesisMethod>())}");
        if (ManualPromptFraction is < 0 or > 1) problems.Add($"ManualPromptFraction must be in [0, 1] (got {ManualPromptFraction})");
        if (BannedPromptPenalty < 0) problems.Add($"BannedPromptPenalty must be non-negative (got {BannedPromptPenalty})");
        if (Steering.Any(s => s.Step < 1)) problems.Add("Scheduled prompt changes need a step of at least 1");
        problems.AddRange(In(nameof(AsDfd), AsDfd.Problems()));
        if (prior is not null) problems.AddRange(In(nameof(Prompter), Prompter.Problems(prior)));
        problems.AddRange(In(nameof(Reward), Reward.Problems()));
        problems.AddRange(In(nameof(Content), Content.Problems()));
        problems.AddRange(In(nameof(Guidance), Guidance.Problems()));
        problems.AddRange(In(nameof(Selection), Selection.Problems()));
        problems.AddRange(In(nameof(Distillation), Distillation.Problems()));
        problems.AddRange(In(nameof(Schedule), Schedule.Problems()));
        if (prior is not null && Prompter.PromptLength + Content.MaxNewTokens > prior.ContextLength)
            problems.Add($"Prompt ({Prompter.PromptLength}) plus content ({Content.MaxNewTokens}) tokens exceed the prior's context of " +
                $"{prior.ContextLength}");
        return problems;
    }

    /// <summary>A section's problems with the section named: "LearningRate must be positive" alone does not say whether the
    /// prompter's or the student's is meant. <see cref="SectionPrefix"/> is how a reader (the dashboard's form) finds it.</summary>
    private static IEnumerable<string> In(string section, IEnumerable<string> problems) =>
        problems.Select(problem => $"{SectionPrefix}{section}: {problem}");

    public const string SectionPrefix = "Training.";
}
