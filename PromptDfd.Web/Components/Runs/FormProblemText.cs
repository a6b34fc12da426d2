using System.Text.RegularExpressions;
using PromptDfd.Engine.Method;

namespace PromptDfd.Web.Components.Runs;

/// <summary>
/// A config problem as the new-run form says it: the engine names a setting by its config section and property
/// ("Training.Prompter: LearningRate must be positive"), the form by the label of its field ("Prompter lr must be positive"),
/// with the key kept in brackets for --set and config files.
/// </summary>
public static partial class FormProblemText
{
    /// <summary>The form's field labels by config key below Training; keep in step with RunConfigForm.razor's labels.</summary>
    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal)
    {
        ["Schedule.Steps"] = "Steps",
        ["Schedule.SamplesPerStep"] = "Samples per step",
        ["Schedule.PrompterUpdates"] = "Prompter updates N_p",
        ["Schedule.StudentUpdates"] = "Student updates N_s",
        ["Schedule.EvaluateEvery"] = "Evaluate every",
        ["Schedule.CheckpointEvery"] = "Checkpoint every",
        ["Prompter.PromptLength"] = "Prompt tokens K",
        ["Prompter.PrefixLength"] = "Class prefix length",
        ["Prompter.TrainableBlocks"] = "Trained blocks",
        ["Prompter.LearningRate"] = "Prompter lr",
        ["Prompter.EntropyBonus"] = "Entropy bonus",
        ["Prompter.WarmStartSteps"] = "Warm-start steps",
        ["Reward.Relevance"] = "Relevance weight",
        ["Reward.Hardness"] = "Hardness weight",
        ["Reward.Plausibility"] = "Plausibility β",
        ["Reward.PlausibilityTargetKl"] = "KL budget (nats)",
        ["Reward.Diversity"] = "Diversity weight",
        ["Content.MaxNewTokens"] = "Content tokens",
        ["Content.Temperature"] = "Temperature",
        ["Content.TopP"] = "Top-p",
        ["Guidance.Weight"] = "Teacher guidance λ",
        ["Selection.Candidates"] = "Contents per prompt",
        ["Selection.DisagreementWeight"] = "Disagreement weight",
        ["Distillation.Temperature"] = "KD temperature τ",
        ["Distillation.LearningRate"] = "Student lr",
        ["Distillation.BatchSize"] = "Student batch",
        ["Distillation.ReplayCapacity"] = "Replay capacity",
        ["Distillation.ReplayFraction"] = "Replay fraction",
    };

    public static string Readable(string problem)
    {
        Match match = SectionAndProperty().Match(problem);
        if (!match.Success) return problem;
        string section = match.Groups["section"].Value, property = match.Groups["property"].Value, rest = match.Groups["rest"].Value;
        // "Hardness weight must be..." already names its field in words: only a bare property is replaced by its label.
        if (rest.StartsWith(" must ", StringComparison.Ordinal) && Labels.TryGetValue($"{section}.{property}", out string? label))
            return $"{label}{rest} ({MethodConfig.SectionPrefix}{section}.{property})";
        return $"{property}{rest} (in {MethodConfig.SectionPrefix}{section})";
    }

    [GeneratedRegex(@"^Training\.(?<section>\w+): (?<property>\w+)(?<rest>\s.*)$", RegexOptions.Singleline)]
    private static partial Regex SectionAndProperty();
}
