namespace PromptDfd.Engine.Infrastructure;

/// <summary>Finds the repository (the folder holding PromptDfd.sln), where shipped models and tasks live.</summary>
public static class RepositoryRoot
{
    public const string Marker = "PromptDfd.sln";

    /// <summary>Walks up from the working directory, then from the program's folder; null when neither is inside the repository.</summary>
    public static string? Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, Marker))) return directory.FullName;
        return null;
    }
}
