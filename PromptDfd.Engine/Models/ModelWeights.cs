using System.Runtime.InteropServices;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.HuggingFace;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Models;

/// <summary>Moves weights between TorchSharp modules and safetensors files, checking every key and shape.</summary>
public static class ModelWeights
{
    public static void Save(nn.Module module, WeightLayout layout, string path, IReadOnlyDictionary<string, string>? metadata = null,
        bool half = false)
    {
        var arrays = new List<NamedArray>();
        foreach (var (name, parameter) in module.named_parameters())
        {
            using Tensor cpuCopy = (layout.IsTransposedInFile(name) ? parameter.t() : parameter).detach().cpu().contiguous();
            string key = layout.ToFileName(name);
            arrays.Add(new NamedArray(key, cpuCopy.shape, cpuCopy.data<float>().ToArray()));
        }
        SafeTensorsFile.Write(path, arrays, metadata, half);
    }

    /// <summary>Loads a safetensors file into the module. Fails, naming the file and the key, on any missing,
    /// unexpected or wrongly shaped tensor; the module is only modified when every check passed.</summary>
    public static void Load(nn.Module module, WeightLayout layout, string path) =>
        Load(module, layout, SafeTensorsFile.ReadIndex(path), path);

    /// <summary>Loads a checkpoint folder's weights, from one file or from its shards.</summary>
    public static void Load(nn.Module module, WeightLayout layout, CheckpointWeights weights) =>
        Load(module, layout, weights.Index(), weights.Source);

    // Shapes are checked from the headers before any value is read; values are then read one tensor at a time.
    private static void Load(nn.Module module, WeightLayout layout, IReadOnlyDictionary<string, StoredTensor> fileArrays, string source)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var assignments = new List<(Parameter Target, StoredTensor Array, bool Transpose)>();
        var unexpected = new List<string>();
        StoredTensor? outputLayer = null;
        foreach (var (key, array) in fileArrays)
        {
            string? name = layout.ToModelName(key);
            if (name is null) continue;
            if (name == "lm_head.weight") { outputLayer = array; continue; }
            if (!parameters.TryGetValue(name, out Parameter? target)) { unexpected.Add(key); continue; }
            bool transpose = layout.IsTransposedInFile(name);
            long[] expected = transpose ? target.shape.Reverse().ToArray() : target.shape;
            if (!expected.SequenceEqual(array.Shape))
            {
                throw new InvalidDataException(
                    $"Weights file '{source}': tensor '{key}' has shape [{string.Join(", ", array.Shape)}] but the model expects " +
                    $"[{string.Join(", ", expected)}] for '{name}'. The checkpoint's config.json does not match its weights.");
            }
            assignments.Add((target, array, transpose));
        }
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"Weights file '{source}' has {unexpected.Count} tensor(s) the model does not have, e.g. '{unexpected[0]}'. " +
                "It was written for a different architecture.");
        }
        var loaded = assignments.Select(a => layout.ToModelName(a.Array.Name)).ToHashSet(StringComparer.Ordinal);
        var missing = parameters.Keys.Where(n => !loaded.Contains(n) && !layout.MayBeMissing(n)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"Weights file '{source}' lacks {missing.Count} tensor(s) the model needs, e.g. '{layout.ToFileName(missing[0])}'. " +
                "The file is incomplete or belongs to a different model.");
        }

        using var _ = no_grad();
        foreach (var (target, array, transpose) in assignments)
        {
            // Read straight into native memory: building a tensor from a managed array costs more than reading the file.
            using Tensor values = empty(array.Shape, ScalarType.Float32);
            array.ReadInto(MemoryMarshal.Cast<byte, float>(values.bytes));
            target.copy_(transpose ? values.t() : values);
        }
        if (outputLayer is not null) CheckTiedOutputLayer(parameters, outputLayer, source);
    }

    private static void CheckTiedOutputLayer(Dictionary<string, Parameter> parameters, StoredTensor outputLayer, string source)
    {
        // Our GPT ties the output layer to the token embedding, as GPT-2 does; an untied head cannot be represented.
        if (!parameters.TryGetValue("transformer.wte.weight", out Parameter? embedding)) return;
        using Tensor head = tensor(outputLayer.ReadValues(), outputLayer.Shape);
        if (!head.shape.SequenceEqual(embedding.shape) || !allclose(head, embedding.detach().cpu()))
        {
            throw new InvalidDataException(
                $"Weights file '{source}': 'lm_head.weight' differs from the token embedding. Only GPT-2 models with tied output weights " +
                    $"are supported.");
        }
    }
}
