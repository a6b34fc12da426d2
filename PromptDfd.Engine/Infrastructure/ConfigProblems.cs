namespace PromptDfd.Engine.Infrastructure;

/// <summary>Collects every problem of a config before failing, so one error message lists all that needs fixing.</summary>
public static class ConfigProblems
{
    public static void ThrowIfAny(string component, IReadOnlyList<string> problems)
    {
        if (problems.Count > 0) throw new ArgumentException($"Invalid {component} config: " + string.Join("; ", problems) + ".");
    }
}
