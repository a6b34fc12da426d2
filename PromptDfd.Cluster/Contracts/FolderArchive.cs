using System.IO.Compression;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Cluster.Contracts;

/// <summary>A saved folder (checkpoint, student) as one archive, the form in which it moves between a worker and the host.</summary>
public static class FolderArchive
{
    /// <summary>Archives move in chunks of this size, well below Orleans' largest message.</summary>
    public const int ChunkBytes = 4 << 20;

    public static int Chunks(int bytes) => Math.Max(1, (bytes + ChunkBytes - 1) / ChunkBytes);

    public static byte[] Chunk(byte[] archive, int index)
    {
        int offset = index * ChunkBytes;
        if (index < 0 || offset >= archive.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"No chunk {index} in {archive.Length} bytes.");
        return archive.AsSpan(offset, Math.Min(ChunkBytes, archive.Length - offset)).ToArray();
    }

    public static byte[] Pack(string folder)
    {
        using var buffer = new MemoryStream();
        // Weights barely compress; the time is better spent on the network than on deflate.
        ZipFile.CreateFromDirectory(folder, buffer, CompressionLevel.NoCompression, includeBaseDirectory: false);
        return buffer.ToArray();
    }

    /// <summary>Replaces <paramref name="folder"/> with the archive's contents as a whole (a crash leaves the old one or the new one).</summary>
    public static void Unpack(byte[] archive, string folder)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(folder))!);
        AtomicFolder.Replace(folder, staging =>
        {
            using var stream = new MemoryStream(archive);
            ZipFile.ExtractToDirectory(stream, staging, overwriteFiles: true);
        });
    }
}
