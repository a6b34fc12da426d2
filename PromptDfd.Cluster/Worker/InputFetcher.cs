using System.Collections.Concurrent;
using PromptDfd.Cluster.Contracts;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Runs;

namespace PromptDfd.Cluster.Worker;

/// <summary>
/// A worker's side of moving models and datasets: a run reads this worker's own task, prior and teacher when their content
/// is the host's, and otherwise a copy fetched from the host once and kept by content hash (under the workspace's user folder,
/// <see cref="CacheFolder"/>), so the next run that needs it starts at once.
/// </summary>
internal sealed class InputFetcher(RunEnvironment environment)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> fetching = new(StringComparer.Ordinal);

    public string CacheFolder => Path.Combine(environment.Workspace.User, "cluster-inputs");

    /// <summary>The environment the run executes in: this worker's, with fetched copies standing in for folders it lacks.</summary>
    public async Task<RunEnvironment> For(RunConfig config, IReadOnlyList<RunInput> inputs, IRunHostObserver host)
    {
        if (inputs.Count == 0) return environment;
        var folders = new Dictionary<RunInputRole, string>();
        bool fetched = false;
        foreach (RunInput input in inputs)
        {
            string? own = input.Role.FolderIn(environment, config);
            if (Directory.Exists(own) && await Task.Run(() => FolderContent.Sha256(own)) == input.Hash) folders[input.Role] = own;
            else
            {
                folders[input.Role] = await Fetch(input, host);
                fetched = true;
            }
        }
        return fetched ? environment with
        {
            Inputs = new RunInputs(folders[RunInputRole.Task], folders[RunInputRole.Prior], folders[RunInputRole.Teacher],
                folders.GetValueOrDefault(RunInputRole.StudentBody)),
        } : environment;
    }

    private async Task<string> Fetch(RunInput input, IRunHostObserver host)
    {
        string folder = Path.Combine(CacheFolder, input.Hash);
        SemaphoreSlim gate = fetching.GetOrAdd(input.Hash, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            // Complete or absent: a copy is unpacked whole and renamed into place (AtomicFolder).
            if (Directory.Exists(folder)) return folder;
            var archive = new MemoryStream();
            RunInputChunk chunk = await host.InputChunk(input.Hash, 0);
            archive.Write(chunk.Data);
            for (int index = 1; index < chunk.Count; index++) archive.Write((await host.InputChunk(input.Hash, index)).Data);
            await Task.Run(() =>
            {
                string staging = folder + ".fetched";
                FolderArchive.Unpack(archive.ToArray(), staging);
                string hash = FolderContent.Sha256(staging);
                if (hash != input.Hash)
                {
                    AtomicFolder.Delete(staging);
                    throw new InvalidDataException($"The copy of {input.HostFolder} fetched from the host has content {hash}, not the " +
                        $"{input.Hash} the run was dispatched with.");
                }
                Directory.Move(staging, folder);
            });
            return folder;
        }
        finally
        {
            gate.Release();
        }
    }
}
