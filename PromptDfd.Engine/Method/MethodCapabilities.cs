namespace PromptDfd.Engine.Method;

/// <summary>
/// What each method has, so pages and commands ask the method instead of guessing from a preset's name (a preset
/// only names where a config started; a PromptDFD run cloned from any preset is still steerable).
/// </summary>
public static class MethodCapabilities
{
    /// <summary>A topic prompter trained by reward: reward and prompter curves, top prompts, steering by hand.</summary>
    public static bool HasPrompter(this SynthesisMethod method) => method == SynthesisMethod.PromptDfd;

    /// <summary>Topic prompts a user can add, pin, ban or edit while the run goes.</summary>
    public static bool CanBeSteered(this SynthesisMethod method) => method.HasPrompter();

    /// <summary>Each sample is written for a class, so whether the teacher reads that class is measured.</summary>
    public static bool HasIntendedClass(this SynthesisMethod method) =>
        method is not (SynthesisMethod.UnconditionalPrior or SynthesisMethod.RandomText);
}
