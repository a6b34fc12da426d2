using System.Globalization;
using PromptDfd.Engine.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>
/// Layer-wise learning-rate decay for fine-tuning a pre-trained body (discriminative fine-tuning, Howard and Ruder 2018;
/// the BERT-family recipes of Clark et al. 2020): the head and anything above the last layer take the full rate, layer
/// L-k takes decay^(k+1) of it, and the embeddings the smallest share, decay^(L+1). Lower layers hold the general
/// language the prior learned, so a small training split moves them least.
/// </summary>
public static class LayerwiseLearningRates
{
    /// <summary>The modules holding the stack of layers: GPT's <c>h</c>, and the <c>layer</c> list every encoder family is
    /// held in (ALBERT's one shared layer is its <c>layer.0</c>, so it counts as one layer).</summary>
    private static readonly HashSet<string> LayerStacks = ["h", "layer"];

    /// <summary>One optimizer group per depth, over the parameters that are trained (requires_grad); with decay 1 a single group.</summary>
    public static List<AdamOptimizer.ParameterGroup> Groups(nn.Module module, double decay, double weightDecay)
    {
        if (!(decay > 0 && decay <= 1))
            throw new ArgumentOutOfRangeException(nameof(decay), decay,
                "The layer-wise learning-rate decay must be in (0, 1]; 1 trains every layer at the same rate.");
        var trained = module.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        if (decay == 1) return [new AdamOptimizer.ParameterGroup(trained.Select(p => p.parameter).ToList(), weightDecay)];
        int layers = trained.Max(p => LayerIndex(p.name) ?? -1) + 1;
        if (layers == 0)
            throw new InvalidOperationException($"Layer-wise learning rates need a stack of layers, and {module.GetType().Name} has no " +
                $"parameter under a layer index; train it with decay 1.");
        // Depth 0 is the embeddings, 1..L the layers, L+1 the head and whatever else sits above the stack.
        return trained
            .Select(p => (p.parameter, Depth: LayerIndex(p.name) is int index ? index + 1 : IsEmbedding(p.name) ? 0 : layers + 1))
            .GroupBy(d => d.Depth)
            .OrderBy(g => g.Key)
            .Select(g => new AdamOptimizer.ParameterGroup(g.Select(d => d.parameter).ToList(), weightDecay,
                Math.Pow(decay, layers + 1 - g.Key)))
            .ToList();
    }

    /// <summary>The layer a parameter belongs to: the number after the first layer-stack name in its path, or null outside the
    /// stack.</summary>
    public static int? LayerIndex(string parameterName)
    {
        string[] parts = parameterName.Split('.');
        for (int i = 0; i + 1 < parts.Length; i++)
        {
            if (LayerStacks.Contains(parts[i]) && int.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture,
                out int index))
                return index;
        }
        return null;
    }

    /// <remarks>Token and position tables sit below the first layer, and so do DeBERTa's relative-position table and the
    /// encoder-level LayerNorm that normalises it.</remarks>
    private static bool IsEmbedding(string parameterName)
    {
        string[] parts = parameterName.Split('.');
        return parameterName.Contains("embed", StringComparison.OrdinalIgnoreCase) || parts.Contains("wte") || parts.Contains("wpe")
            || parameterName.Contains("encoder.LayerNorm.", StringComparison.Ordinal);
    }
}
