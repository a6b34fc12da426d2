using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Cli;

/// <summary>Where shipped and generated files live, relative to the repository root (found by walking up to PromptDfd.sln).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = RepositoryRoot.Find() ?? Directory.GetCurrentDirectory();
    public static string Data => Path.Combine(Root, "data");
    public static string Tasks => Path.Combine(Data, "tasks");
    public static string Prior => Path.Combine(Data, "prior");
    public static string Models => Path.Combine(Root, "models");
    public static string Tokenizer => Path.Combine(Models, "tokenizer");
    public static string PriorModel => Path.Combine(Models, "prior");
    public static string Docs => Path.Combine(Root, "docs");
}
