using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Data;

/// <summary>
/// What a task may be called, in one place: a task's name is a folder name, a link segment and a run-config value, so
/// it is plain ASCII letters, digits, '-' and '_' (full-width letters look alike but are other folders; "." and ".."
/// are not folders of their own).
/// </summary>
public static partial class TaskNames
{
    public const int MaximumLength = 64;

    public static bool IsValid(string name) => Pattern().IsMatch(name);

    /// <summary>Why the name cannot be a task's, or null when it can.</summary>
    public static string? Problem(string name) => IsValid(name) ? null
        : $"Task name '{name}' must be 1 to {MaximumLength} of the ASCII letters A-Z and a-z, digits, '-' and '_'";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex Pattern();
}
