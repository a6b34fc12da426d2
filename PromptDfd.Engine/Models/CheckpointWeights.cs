using System.Text.Json;
using System.Text.Json.Nodes;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Models;

/// <summary>
/// Where a checkpoint folder keeps its weights: one model.safetensors, or the shards that
/// model.safetensors.index.json maps every tensor to (as transformers writes models larger than its shard size).
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

    /// <summary>The safetensors files, in file-name order.</summary>
    public IReadOnlyList<string> Files { get; }

    public bool IsSharded => shardOfTensor is not null;

    /// <summary>A single file's SHA-256 as before shards were read, so recorded hashes stay valid; over all shards otherwise.</summary>
    public string Sha256() => IsSharded ? FileHash.Sha256(Files) : FileHash.Sha256(Files[0]);

    public static CheckpointWeights Of(string folder)
    {
        string single = Path.Combine(folder, Checkpoint.WeightsFile);
        if (File.Exists(single)) return new CheckpointWeights(single, [single], null);
        string index = Path.Combine(folder, Checkpoint.ShardIndexFile);
        if (File.Exists(index)) return Sharded(folder, index);
        throw new FileNotFoundException(
            $"Checkpoint folder '{folder}' has no {Checkpoint.WeightsFile}. Only safetensors weights are read; convert pytorch_model.bin with Hugging Face's tools.", single);
    }

    private static CheckpointWeights Sharded(string folder, string index)
    {
        JsonObject? weightMap;
        try { weightMap = JsonNode.Parse(File.ReadAllText(index))?["weight_map"] as JsonObject; }
        catch (JsonException error) { throw new InvalidDataException($"'{index}' is not valid JSON: {error.Message}", error); }
        if (weightMap is null || weightMap.Count == 0)
            throw new InvalidDataException($"'{index}' has no weight_map; a shard index maps every tensor name to the shard file that holds it.");
        var shardOfTensor = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tensor, node) in weightMap)
        {
            string? shard = node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
            if (shard is null || shard != Path.GetFileName(shard) || !shard.EndsWith(".safetensors", StringComparison.Ordinal))
                throw new InvalidDataException($"'{index}': weight_map[\"{tensor}\"] must name a .safetensors file in the same folder (found {node?.ToJsonString() ?? "null"}).");
            shardOfTensor[tensor] = shard;
        }
        var files = shardOfTensor.Values.Distinct().Order(StringComparer.Ordinal).Select(shard => Path.Combine(folder, shard)).ToList();
        string? absent = files.FirstOrDefault(file => !File.Exists(file));
        if (absent is not null)
            throw new FileNotFoundException($"'{index}' lists the shard '{Path.GetFileName(absent)}', which is not in '{folder}'. Copy every shard of the checkpoint.", absent);
        return new CheckpointWeights(index, files, shardOfTensor);
    }

    /// <summary>Every floating-point tensor, widened to float32, from every shard.</summary>
    public IReadOnlyDictionary<string, NamedArray> Read() =>
        Index().ToDictionary(entry => entry.Key, entry => entry.Value.Read(), StringComparer.Ordinal);

    /// <summary>Where every floating-point tensor is; in a sharded checkpoint each must be in the shard the index names, and only there.</summary>
    public IReadOnlyDictionary<string, StoredTensor> Index()
    {
        if (!IsSharded) return SafeTensorsFile.ReadIndex(Files[0]);
        var merged = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        foreach (string file in Files)
        {
            string shard = Path.GetFileName(file);
            foreach (var (name, tensor) in SafeTensorsFile.ReadIndex(file))
            {
                if (!shardOfTensor!.TryGetValue(name, out string? expected) || expected != shard)
                    throw new InvalidDataException(
                        $"Shard '{file}' holds tensor '{name}', which '{Source}' places {(expected is null ? "nowhere" : $"in '{expected}'")}. The shards and their index do not belong together.");
                merged[name] = tensor;
            }
        }
        return merged;
    }
}
