using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Models;

/// <summary>
/// Keys and values of every attention layer for the tokens seen so far, so incremental decoding attends to the
/// past without recomputing it. Owns its tensors: they live outside per-step dispose scopes and are released
/// when replaced or when the cache is disposed.
/// </summary>
public sealed class KvCache(int layers) : IDisposable
{
    private readonly Tensor?[] keys = new Tensor?[layers];
    private readonly Tensor?[] values = new Tensor?[layers];

    /// <summary>Number of cached positions.</summary>
    public long Length => keys[0]?.shape[2] ?? 0;

    /// <summary>Appends this step's keys and values for a layer and returns the full sequences to attend to.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor newKeys, Tensor newValues)
    {
        Tensor k = keys[layer] is null ? newKeys.alias() : cat([keys[layer]!, newKeys], 2);
        Tensor v = values[layer] is null ? newValues.alias() : cat([values[layer]!, newValues], 2);
        keys[layer]?.Dispose();
        values[layer]?.Dispose();
        keys[layer] = k.DetachFromDisposeScope();
        values[layer] = v.DetachFromDisposeScope();
        return (k, v);
    }

    /// <summary>Keeps only the given batch rows (after some sequences finish or are filtered).</summary>
    public void Select(Tensor rowIndices)
    {
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] is null) continue;
            Tensor k = keys[i]!.index_select(0, rowIndices).DetachFromDisposeScope();
            Tensor v = values[i]!.index_select(0, rowIndices).DetachFromDisposeScope();
            keys[i]!.Dispose(); values[i]!.Dispose();
            keys[i] = k; values[i] = v;
        }
    }

    /// <summary>A new cache holding every row <paramref name="times"/> times in a row (row r becomes rows r*times .. r*times+times-1), for
    /// scoring several candidate next tokens per row.</summary>
    public KvCache Repeated(int times)
    {
        var copy = new KvCache(keys.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] is null) continue;
            copy.keys[i] = keys[i]!.repeat_interleave(times, 0).DetachFromDisposeScope();
            copy.values[i] = values[i]!.repeat_interleave(times, 0).DetachFromDisposeScope();
        }
        return copy;
    }

    public void Dispose()
    {
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i]?.Dispose(); values[i]?.Dispose();
            keys[i] = null; values[i] = null;
        }
    }
}
