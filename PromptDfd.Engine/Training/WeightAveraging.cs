using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>Detached copies of a module's weights and their running mean, for weight averaging across epochs or across
/// fine-tunings.</summary>
public static class WeightAveraging
{
    /// <summary>A copy of every tensor in the module's state, owned by the caller (outside any dispose scope).</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());

    /// <summary>
    /// Adds the <paramref name="count"/>-th set of weights to a running mean: mean ← mean + (weights − mean) / count.
    /// Integer buffers keep the first set's values. Returns a new snapshot when <paramref name="mean"/> is null.
    /// </summary>
    public static Dictionary<string, Tensor> AddToMean(Dictionary<string, Tensor>? mean, nn.Module module, int count)
    {
        if (mean is null) return Snapshot(module);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, value) in module.state_dict())
            if (value.is_floating_point()) mean[name].add_(value.detach().sub(mean[name]).div(count));
        return mean;
    }

    public static void Dispose(Dictionary<string, Tensor>? weights)
    {
        if (weights is null) return;
        foreach (var tensor in weights.Values) tensor.Dispose();
    }
}
