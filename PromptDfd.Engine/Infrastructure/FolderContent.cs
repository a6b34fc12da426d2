using System.Security.Cryptography;
using System.Text;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>A folder's identity by content: what a cluster worker compares to know it has the model or dataset a run needs.</summary>
public static class FolderContent
{
    /// <summary>
    /// Lower-case hex SHA-256 over every file under the folder, in ordinal order of its path relative to the folder ('/'
    /// separated), each as its path, its length and its bytes: the same files give the same hash on any machine.
    /// </summary>
    public static string Sha256(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"No folder at {folder} to hash.");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Select(path => (Path: path, Name: Path.GetRelativePath(folder, path).Replace('\\', '/')))
            .OrderBy(file => file.Name, StringComparer.Ordinal);
        var buffer = new byte[1 << 20];
        foreach (var (path, name) in files)
        {
            using FileStream stream = File.OpenRead(path);
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}\n{stream.Length}\n"));
            for (int read; (read = stream.Read(buffer)) > 0;) hash.AppendData(buffer, 0, read);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
