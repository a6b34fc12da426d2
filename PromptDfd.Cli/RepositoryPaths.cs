namespace PromptDfd.Cli;

/// <summary>Where shipped and generated files live, relative to the repository root (found by walking up to PromptDfd.sln).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();
    public static string Data => Path.Combine(Root, "data");
    public static string Tasks => Path.Combine(Data, "tasks");
    public static string Prior => Path.Combine(Data, "prior");
    public static string Models => Path.Combine(Root, "models");
    public static string Tokenizer => Path.Combine(Models, "tokenizer");
    public static string PriorModel => Path.Combine(Models, "prior");
    public static string Docs => Path.Combine(Root, "docs");

    private static string FindRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "PromptDfd.sln"))) return directory.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
