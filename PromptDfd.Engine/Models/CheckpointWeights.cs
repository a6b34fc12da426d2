using System.Text.Json;
using System.Text.Json.Nodes;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.Formats.PyTorch;

namespace PromptDfd.Engine.Models;

/// <summary>
/// Where a checkpoint folder keeps its weights: one model.safetensors, or the shards that
/// model.safetensors.index.json maps every tensor to (as transformers writes models larger than its shard size);
/// failing those, the same as torch.save state dicts (pytorch_model.bin, or its shards), which older checkpoints ship.
/// </summary>
public sealed class CheckpointWeights
{
    private readonly IReadOnlyDictionary<string, string>? shardOfTensor;

    private CheckpointWeights(string source, IReadOnlyList<string> files, IReadOnlyDictionary<string, string>? shardOfTensor)
    {
        Source = source;
        Files = files;
        this.shardOfTensor = shardOfTensor;
    }

    /// <summary>The file errors name: model.safetensors, or the shard index.</summary>
    public string Source { get; }

    /// <summary>The weights files, in file-name order.</summary>
    public IReadOnlyList<string> Files { get; }

    public bool IsSharded => shardOfTensor is not null;

    /// <summary>A single file's SHA-256 as before shards were read, so recorded hashes stay valid; over all shards otherwise.</summary>
    public string Sha256() => IsSharded ? FileHash.Sha256(Files) : FileHash.Sha256(Files[0]);

    /// <summary>True when the weights are torch.save files, which `convert` can turn into model.safetensors.</summary>
    public bool IsPyTorch => Files[0].EndsWith(".bin", StringComparison.Ordinal);

    public static CheckpointWeights Of(string folder)
    {
        // transformers' own order of preference: safetensors before pickles, one file before shards.
        foreach (var (file, index, shardExtension) in new[]
        {
            (Checkpoint.WeightsFile, Checkpoint.ShardIndexFile, ".safetensors"),
            (Checkpoint.PyTorchWeightsFile, Checkpoint.PyTorchShardIndexFile, ".bin"),
        })
        {
            string single = Path.Combine(folder, file);
            if (File.Exists(single)) return new CheckpointWeights(single, [single], null);
            string indexPath = Path.Combine(folder, index);
            if (File.Exists(indexPath)) return Sharded(folder, indexPath, shardExtension);
        }
        throw new FileNotFoundException(
            $"Checkpoint folder '{folder}' has no weights: neither {Checkpoint.WeightsFile} nor {Checkpoint.PyTorchWeightsFile} (or " +
                $"their shard index). " +
            "Copy the checkpoint's weights file into the folder.", Path.Combine(folder, Checkpoint.WeightsFile));
    }

    /// <summary>Every floating-point tensor of one weights file, safetensors or torch.save (told apart by a .bin name), widened to
    /// float32.</summary>
    public static IReadOnlyDictionary<string, NamedArray> ReadFile(string file) =>
        ReadIndex(file).ToDictionary(entry => entry.Key, entry => entry.Value.Read(), StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, StoredTensor> ReadIndex(string file) =>
        file.EndsWith(".bin", StringComparison.Ordinal) ? PyTorchWeightsFile.ReadIndex(file) : SafeTensorsFile.ReadIndex(file);

    private static CheckpointWeights Sharded(string folder, string index, string shardExtension)
    {
        JsonObject? weightMap;
        try { weightMap = JsonNode.Parse(File.ReadAllText(index))?["weight_map"] as JsonObject; }
        catch (JsonException error) { throw new InvalidDataException($"'{index}' is not valid JSON: {error.Message}", error); }
        if (weightMap is null || weightMap.Count == 0)
            throw new InvalidDataException($"'{index}' has no weight_map; a shard index maps every tensor name to the shard file that " +
                $"holds it.");
        var shardOfTensor = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tensor, node) in weightMap)
        {
            string? shard = node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
            if (shard is null || shard != Path.GetFileName(shard) || !shard.EndsWith(shardExtension, StringComparison.Ordinal))
                throw new InvalidDataException($"'{index}': weight_map[\"{tensor}\"] must name a {shardExtension} file in the same " +
                    $"folder (found {node?.ToJsonString() ?? "null"}).");
            shardOfTensor[tensor] = shard;
        }
        var files = shardOfTensor.Values.Distinct().Order(StringComparer.Ordinal).Select(shard => Path.Combine(folder, shard)).ToList();
        string? absent = files.FirstOrDefault(file => !File.Exists(file));
        if (absent is not null)
            throw new FileNotFoundException($"'{index}' lists the shard '{Path.GetFileName(absent)}', which is not in '{folder}'. Copy " +
                $"every shard of the checkpoint.", absent);
        return new CheckpointWeights(index, files, shardOfTensor);
    }

    /// <summary>Every floating-point tensor, widened to float32, from every shard.</summary>
    public IReadOnlyDictionary<string, NamedArray> Read() =>
        Index().ToDictionary(entry => entry.Key, entry => entry.Value.Read(), StringComparer.Ordinal);

    /// <summary>Where every floating-point tensor is; in a sharded checkpoint each must be in the shard the index names, and only
    /// there.</summary>
    public IReadOnlyDictionary<string, StoredTensor> Index()
    {
        if (!IsSharded) return ReadIndex(Files[0]);
        var merged = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        foreach (string file in Files)
        {
            string shard = Path.GetFileName(file);
            foreach (var (name, tensor) in ReadIndex(file))
            {
                if (!shardOfTensor!.TryGetValue(name, out string? expected) || expected != shard)
                    throw new InvalidDataException(
                        $"Shard '{file}' holds tensor '{name}', which '{Source}' places " +
                            $"{(expected is null ? "nowhere" : $"in '{expected}'")}. The shards and their index do not belong together.");
                merged[name] = tensor;
            }
        }
        return merged;
    }
}
