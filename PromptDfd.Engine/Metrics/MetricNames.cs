namespace PromptDfd.Engine.Metrics;

/// <summary>
/// Every metric a run records, by the name the store, the charts and the exports use: the engine writes these, the
/// dashboard and the results table read them, and a renamed metric is renamed everywhere at once.
/// </summary>
public static class MetricNames
{
    // Evaluations on the real evaluation split.
    public const string StudentAccuracy = "student/accuracy";
    public const string StudentMacroF1 = "student/macro_f1";
    /// <summary>How often the student predicts the teacher's label on the real evaluation split.</summary>
    public const string StudentAgreement = "student/agreement";
    public const string TeacherAccuracy = "teacher/accuracy";
    public const string TeacherMacroF1 = "teacher/macro_f1";

    // Every step.
    public const string StudentKdLoss = "student/kd_loss";
    public const string RewardTotal = "reward/total";
    public const string RewardRelevance = "reward/relevance";
    public const string RewardHardness = "reward/hardness";
    public const string RewardPlausibility = "reward/plausibility";
    public const string RewardDiversity = "reward/diversity";
    public const string RewardStd = "reward/std";
    public const string PrompterKlToReference = "prompter/kl_to_reference";
    public const string PrompterPlausibilityWeight = "prompter/plausibility_weight";
    public const string PrompterEntropy = "prompter/entropy";

    /// <summary>The teacher's mean probability of each sample's intended class (per step; per class at evaluations).</summary>
    public const string IntendedProbability = "synthesis/intended_probability";
    /// <summary>The share of samples the teacher labels as their intended class.</summary>
    public const string IntendedAgreement = "synthesis/intended_agreement";
    /// <summary>The share of samples whose prompt or content is mostly upper case.</summary>
    public const string ArtifactShare = "synthesis/artifact_share";

    // Quality of the synthetic text, over a window of recent samples at evaluations.
    public const string TeacherConfidence = "synthesis/teacher_confidence";
    public const string ClassBalance = "synthesis/class_balance";
    public const string Distinct1 = "synthesis/distinct_1";
    public const string Distinct2 = "synthesis/distinct_2";
    public const string SelfBleu = "synthesis/self_bleu";
    public const string Perplexity = "synthesis/perplexity";

    // Wall-clock measurements: the only values a run with the same config and seed may not repeat.
    public const string SynthesisSeconds = "time/synthesis_s";
    public const string RewardsAndPrompterSeconds = "time/rewards_and_prompter_s";
    public const string StudentSeconds = "time/student_s";
    public const string SamplesPerSecond = "throughput/samples_per_s";
    /// <summary>The whole process's resident memory (MB) and CPU use (% of one core) after each step: a run's health.</summary>
    public const string ProcessMemoryMegabytes = "process/memory_mb";
    public const string ProcessCpuPercent = "process/cpu_percent";

    public static string RewardOfClass(string label) => $"reward/class/{label}";
    public static string OfClass(string metric, string label) => $"{metric}/class/{label}";

    /// <summary>True for wall-clock and process measurements, which differ between two runs of one config.</summary>
    public static bool IsTiming(string name) => name.StartsWith("time/", StringComparison.Ordinal)
        || name.StartsWith("throughput/", StringComparison.Ordinal) || name.StartsWith("process/", StringComparison.Ordinal);
}
