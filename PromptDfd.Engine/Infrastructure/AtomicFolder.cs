namespace PromptDfd.Engine.Infrastructure;

/// <summary>
/// Replaces a folder of state files as a whole: the new contents are written to a staging folder that then takes
/// the old one's place by renames, so a process killed mid-save leaves either the old state or the new, never half.
/// </summary>
public static class AtomicFolder
{
    public static void Replace(string folder, Action<string> writeContents)
    {
        string staging = folder + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, true);
        Directory.CreateDirectory(staging);
        writeContents(staging);
        string previous = PreviousOf(folder);
        // A kill between the renames last time left the only complete state in previous; it stays until this one is in place.
        if (!Directory.Exists(folder) && Directory.Exists(previous)) Directory.Move(previous, folder);
        if (Directory.Exists(previous)) Directory.Delete(previous, true);
        if (Directory.Exists(folder)) Directory.Move(folder, previous);
        Directory.Move(staging, folder);
        if (Directory.Exists(previous)) Directory.Delete(previous, true);
    }

    /// <summary>The folder to read: the folder itself, or the complete previous state when a kill fell between the two renames.</summary>
    public static string Existing(string folder) => !Directory.Exists(folder) && Directory.Exists(PreviousOf(folder)) ? PreviousOf(folder)
        : folder;

    public static void Delete(string folder)
    {
        foreach (string path in new[] { folder, folder + ".partial", PreviousOf(folder) })
            if (Directory.Exists(path)) Directory.Delete(path, true);
    }

    private static string PreviousOf(string folder) => folder + ".previous";
}
