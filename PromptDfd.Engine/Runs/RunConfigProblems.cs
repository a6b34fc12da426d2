using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;

namespace PromptDfd.Engine.Runs;

/// <summary>Everything wrong with a run config before it starts, as a list of what to change: the run's own values, its
/// method's, and its topic prompts against the task's classes.</summary>
public static class RunConfigProblems
{
    /// <param name="prior">the chosen prior's shape, which prompt and content lengths must fit; null leaves those checks out</param>
    /// <param name="labels">the task's classes</param>
    public static IReadOnlyList<string> Of(RunConfig config, GptConfig? prior, IReadOnlyList<string> labels)
    {
        var problems = new List<string>();
        problems.AddRange(config.Problems());
        problems.AddRange(config.Training.Problems(prior));
        foreach (var (label, prompts) in config.Training.TopicPrompts)
        {
            if (!labels.Contains(label)) problems.Add($"Topic prompts for '{label}', which is not a class of {config.Task}");
            foreach (string prompt in prompts.Where(p => p.Length > PromptRules.MaximumPromptCharacters))
                problems.Add($"A topic prompt for '{label}' is longer than {PromptRules.MaximumPromptCharacters} characters: " +
                    $"\"{prompt[..40]}…\"");
        }
        return problems;
    }
}
