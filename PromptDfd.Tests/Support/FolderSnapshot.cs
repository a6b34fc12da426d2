namespace PromptDfd.Tests.Support;

/// <summary>The bytes of a folder's files at one moment, to show a failed operation changed none of them.</summary>
public sealed class FolderSnapshot
{
    private readonly string folder;
    private readonly Dictionary<string, byte[]> files;

    private FolderSnapshot(string folder)
    {
        this.folder = folder;
        files = Directory.GetFiles(folder).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes);
    }

    public static FolderSnapshot Of(string folder) => new(folder);

    public byte[] this[string name] => files[name];

    public void AssertUnchanged()
    {
        Assert.NotEmpty(files);
        foreach (var (name, bytes) in files) Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, name))),
            $"{name} changed");
    }
}
