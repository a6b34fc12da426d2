using PromptDfd.Engine;

namespace PromptDfd.Cli.Arguments;

/// <summary>The workspace commands read and write by default: the repository they run from (found by walking up to
/// PromptDfd.sln).</summary>
public static class Repository
{
    public static Workspace Workspace { get; } = Workspace.OfRepository();
}
