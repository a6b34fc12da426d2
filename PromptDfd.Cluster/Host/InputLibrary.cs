using System.Collections.Concurrent;
using PromptDfd.Cluster.Contracts;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;

namespace PromptDfd.Cluster.Host;

/// <summary>
/// The host's side of moving models and datasets to workers: names each folder a dispatched run reads by its content hash,
/// and serves those folders (and no others) as archives to workers that lack them.
/// </summary>
internal sealed class InputLibrary
{
    /// <summary>Archives kept packed for workers still fetching them; older ones are packed again if asked for.</summary>
    private const int PackedArchives = 6;

    private readonly ConcurrentDictionary<string, string> folders = new(StringComparer.Ordinal);
    private readonly Lock packedGate = new();
    private readonly LinkedList<(string Hash, Lazy<byte[]> Archive)> packed = new();

    /// <summary>The run's task, prior, teacher and student's starting model (if any) by content, each now served to workers.</summary>
    public IReadOnlyList<RunInput> Describe(RunConfig config, RunEnvironment environment)
    {
        var inputs = new List<RunInput>();
        foreach (RunInputRole role in Enum.GetValues<RunInputRole>())
        {
            if (role.FolderIn(environment, config) is not string folder) continue;
            string hash = FolderContent.Sha256(folder);
            folders[hash] = folder;
            inputs.Add(new RunInput(role, hash, folder));
        }
        return inputs;
    }

    public RunInputChunk Chunk(string hash, int index)
    {
        byte[] archive = Archive(hash);
        return new RunInputChunk(FolderArchive.Chunk(archive, index), FolderArchive.Chunks(archive.Length));
    }

    private byte[] Archive(string hash)
    {
        if (!folders.TryGetValue(hash, out string? folder))
            throw new KeyNotFoundException($"This host serves no folder with content {hash}; only the inputs of runs it dispatched.");
        Lazy<byte[]> archive;
        lock (packedGate)
        {
            var entry = packed.FirstOrDefault(e => e.Hash == hash);
            if (entry.Archive is null)
            {
                entry = (hash, new Lazy<byte[]>(() => Pack(folder, hash)));
                packed.AddFirst(entry);
                if (packed.Count > PackedArchives) packed.RemoveLast();
            }
            archive = entry.Archive;
        }
        return archive.Value;
    }

    // The folder may have changed since the run was dispatched (a retrained teacher): that is not the content asked for.
    private static byte[] Pack(string folder, string hash)
    {
        byte[] archive = FolderArchive.Pack(folder);
        if (FolderContent.Sha256(folder) != hash)
            throw new InvalidDataException($"{folder} changed since a run was dispatched with it (its content is no longer {hash}); " +
                "resume the run to dispatch it with the folder as it is now.");
        return archive;
    }
}
