using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;

namespace PromptDfd.Tests.Support;

/// <summary>
/// GPT-2's forward pass written out with loops over Hugging Face's own weight layout (Conv1D weights [in, out],
/// keys without a prefix). Independent of TorchSharp and of our module code: the golden reference.
/// </summary>
public sealed class ReferenceGpt2(IReadOnlyDictionary<string, NamedArray> weights, int layers, int heads)
{
    private float[] W(string name) => weights[name].Values;
    private int Width => (int)weights["wte.weight"].Shape[1];
    private int Vocabulary => (int)weights["wte.weight"].Shape[0];

    /// <summary>Logits [time][vocabulary] for one sequence.</summary>
    public float[][] Logits(int[] tokens)
    {
        int t = tokens.Length, d = Width;
        var x = new float[t][];
        for (int i = 0; i < t; i++)
        {
            x[i] = new float[d];
            for (int j = 0; j < d; j++) x[i][j] = W("wte.weight")[tokens[i] * d + j] + W("wpe.weight")[i * d + j];
        }
        for (int l = 0; l < layers; l++)
        {
            string p = $"h.{l}.";
            float[][] h = x.Select(r => LayerNorm(r, W(p + "ln_1.weight"), W(p + "ln_1.bias"))).ToArray();
            float[][] qkv = h.Select(r => Conv1D(r, W(p + "attn.c_attn.weight"), W(p + "attn.c_attn.bias"), 3 * d)).ToArray();
            float[][] attended = Attention(qkv, d);
            for (int i = 0; i < t; i++)
            {
                float[] projected = Conv1D(attended[i], W(p + "attn.c_proj.weight"), W(p + "attn.c_proj.bias"), d);
                for (int j = 0; j < d; j++) x[i][j] += projected[j];
            }
            for (int i = 0; i < t; i++)
            {
                float[] h2 = LayerNorm(x[i], W(p + "ln_2.weight"), W(p + "ln_2.bias"));
                float[] inner = Conv1D(h2, W(p + "mlp.c_fc.weight"), W(p + "mlp.c_fc.bias"), 4 * d).Select(GeluTanh).ToArray();
                float[] output = Conv1D(inner, W(p + "mlp.c_proj.weight"), W(p + "mlp.c_proj.bias"), d);
                for (int j = 0; j < d; j++) x[i][j] += output[j];
            }
        }
        return x.Select(r =>
        {
            float[] final = LayerNorm(r, W("ln_f.weight"), W("ln_f.bias"));
            var logits = new float[Vocabulary];
            for (int v = 0; v < Vocabulary; v++)
            {
                double sum = 0;
                for (int j = 0; j < d; j++) sum += final[j] * W("wte.weight")[v * d + j];
                logits[v] = (float)sum;
            }
            return logits;
        }).ToArray();
    }

    private float[][] Attention(float[][] qkv, int d)
    {
        int t = qkv.Length, hd = d / heads;
        var output = new float[t][];
        for (int i = 0; i < t; i++) output[i] = new float[d];
        for (int head = 0; head < heads; head++)
        {
            for (int i = 0; i < t; i++)
            {
                var scores = new double[i + 1];
                for (int j = 0; j <= i; j++)
                {
                    double dot = 0;
                    for (int k = 0; k < hd; k++) dot += qkv[i][head * hd + k] * qkv[j][d + head * hd + k];
                    scores[j] = dot / Math.Sqrt(hd);
                }
                double max = scores.Max(), total = scores.Sum(s => Math.Exp(s - max));
                for (int j = 0; j <= i; j++)
                {
                    double weight = Math.Exp(scores[j] - max) / total;
                    for (int k = 0; k < hd; k++) output[i][head * hd + k] += (float)(weight * qkv[j][2 * d + head * hd + k]);
                }
            }
        }
        return output;
    }

    public static float[] LayerNorm(float[] x, float[] gain, float[] bias, double epsilon = 1e-5)
    {
        double mean = x.Average(), variance = x.Average(v => (v - mean) * (v - mean));
        return x.Select((v, i) => (float)((v - mean) / Math.Sqrt(variance + epsilon) * gain[i] + bias[i])).ToArray();
    }

    /// <summary>y = x W + b with W stored [in, out], as Hugging Face's Conv1D does.</summary>
    private static float[] Conv1D(float[] x, float[] weight, float[] bias, int outputs)
    {
        var y = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < x.Length; i++) sum += x[i] * weight[i * outputs + o];
            y[o] = (float)sum;
        }
        return y;
    }

    internal static float GeluTanh(float x) => (float)(0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
}
