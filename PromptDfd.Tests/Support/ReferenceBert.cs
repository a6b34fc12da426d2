using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.HuggingFace;

namespace PromptDfd.Tests.Support;

/// <summary>
/// BERT sequence classification written out with loops over Hugging Face's layout (Linear weights [out, in]). With
/// <see cref="DistilBert"/>, DistilBertForSequenceClassification: its own names, no token types, ReLU on pre_classifier.
/// With <see cref="Roberta"/>, RobertaForSequenceClassification: "roberta." names, positions from padding id + 1,
/// LayerNorm epsilon 1e-5, and its classifier.dense / classifier.out_proj head. With <see cref="Electra"/>,
/// ElectraForSequenceClassification: "electra." names, embeddings_project from the embedding width up to the layers'
/// when it has one, and a classifier.dense / classifier.out_proj head with GELU. With <see cref="Albert"/>,
/// AlbertForSequenceClassification: one layer's weights (albert_layer_groups.0.albert_layers.0, in ALBERT's names) run
/// for every layer, embedding_hidden_mapping_in after the embeddings, GPT-2's tanh GELU, and a tanh pooler.
/// </summary>
public sealed class ReferenceBert
{
    private readonly IReadOnlyDictionary<string, NamedArray> weights;
    private readonly int layers, heads;
    private readonly bool distil, roberta, electra, albert;

    public ReferenceBert(IReadOnlyDictionary<string, NamedArray> weights, int layers, int heads)
        : this(weights, layers, heads, EncoderFamily.Bert) { }

    private ReferenceBert(IReadOnlyDictionary<string, NamedArray> weights, int layers, int heads, EncoderFamily family) =>
        (this.weights, this.layers, this.heads, distil, roberta, electra, albert) =
            (weights, layers, heads, family == EncoderFamily.DistilBert, family == EncoderFamily.Roberta, family == EncoderFamily.Electra,
                family == EncoderFamily.Albert);

    public static ReferenceBert DistilBert(IReadOnlyDictionary<string, NamedArray> weights, int layers, int heads) =>
        new(weights, layers, heads, EncoderFamily.DistilBert);

    public static ReferenceBert Roberta(IReadOnlyDictionary<string, NamedArray> weights, int layers, int heads) =>
        new(weights, layers, heads, EncoderFamily.Roberta);

    public static ReferenceBert Electra(IReadOnlyDictionary<string, NamedArray> weights, int layers, int heads) =>
        new(weights, layers, heads, EncoderFamily.Electra);

    public static ReferenceBert Albert(IReadOnlyDictionary<string, NamedArray> weights, int layers, int heads) =>
        new(weights, layers, heads, EncoderFamily.Albert);

    private const int RobertaPaddingId = 1;

    private float[] W(string name) => weights.TryGetValue(name, out var a) ? a.Values
        : weights[name.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta")].Values;

    private double Epsilon => roberta ? 1e-5 : 1e-12;
    private string Prefix => distil ? "distilbert." : roberta ? "roberta." : electra ? "electra." : albert ? "albert." : "bert.";
    private string Embeddings => Prefix + "embeddings.";
    private int EmbeddingWidth => (int)weights[Embeddings + "word_embeddings.weight"].Shape[1];
    private string Projection => albert ? "albert.encoder.embedding_hidden_mapping_in" : Prefix + "embeddings_project";
    private int Width => weights.TryGetValue(Projection + ".weight", out var projection) ? (int)projection.Shape[0] : EmbeddingWidth;

    /// <summary>Class logits for one sequence; positions with mask false are padding and never attended to.</summary>
    public float[] Logits(int[] tokens, bool[] mask)
    {
        int t = tokens.Length, d = Width, de = EmbeddingWidth;
        string e = Embeddings;
        var x = new float[t][];
        for (int i = 0; i < t; i++)
        {
            // transformers' create_position_ids_from_input_ids: real tokens count up from padding id + 1, pads sit at the padding id.
            int position = !roberta ? i : mask[i] ? RobertaPaddingId + 1 + i : RobertaPaddingId;
            var row = new float[de];
            for (int j = 0; j < de; j++)
                row[j] = W(e + "word_embeddings.weight")[tokens[i] * de + j] + W(e + "position_embeddings.weight")[position * de + j]
                    + (distil ? 0 : W(e + "token_type_embeddings.weight")[j]);
            x[i] = ReferenceGpt2.LayerNorm(row, W(e + "LayerNorm.weight"), W(e + "LayerNorm.bias"), Epsilon);
            if (de != d) x[i] = Linear(x[i], Projection);
        }
        for (int l = 0; l < layers; l++)
        {
            string p = distil ? $"distilbert.transformer.layer.{l}." : albert
                ? "albert.encoder.albert_layer_groups.0.albert_layers.0." : $"{Prefix}encoder.layer.{l}.";
            float[][] q = x.Select(r => Linear(r, p + (distil ? "attention.q_lin" : albert
                ? "attention.query" : "attention.self.query"))).ToArray();
            float[][] k = x.Select(r => Linear(r, p + (distil ? "attention.k_lin" : albert
                ? "attention.key" : "attention.self.key"))).ToArray();
            float[][] v = x.Select(r => Linear(r, p + (distil ? "attention.v_lin" : albert
                ? "attention.value" : "attention.self.value"))).ToArray();
            int hd = d / heads;
            var attended = new float[t][];
            for (int i = 0; i < t; i++)
            {
                attended[i] = new float[d];
                for (int h = 0; h < heads; h++)
                {
                    var scores = new double[t];
                    for (int j = 0; j < t; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < hd; c++) dot += q[i][h * hd + c] * k[j][h * hd + c];
                        scores[j] = mask[j] ? dot / Math.Sqrt(hd) : double.NegativeInfinity;
                    }
                    double max = scores.Max(), total = scores.Sum(s => Math.Exp(s - max));
                    for (int j = 0; j < t; j++)
                        for (int c = 0; c < hd; c++) attended[i][h * hd + c] += (float)(Math.Exp(scores[j] - max) / total * v[j][h * hd
                            + c]);
                }
            }
            if (distil)
            {
                x = x.Select((r, i) => Residual(Linear(attended[i], p + "attention.out_lin"), r, p + "sa_layer_norm")).ToArray();
                x = x.Select(r => Residual(Linear(Linear(r, p + "ffn.lin1").Select(GeluErf).ToArray(), p + "ffn.lin2"), r, p
                    + "output_layer_norm")).ToArray();
            }
            else if (albert)
            {
                x = x.Select((r, i) => Residual(Linear(attended[i], p + "attention.dense"), r, p + "attention.LayerNorm")).ToArray();
                x = x.Select(r => Residual(Linear(Linear(r, p + "ffn").Select(ReferenceGpt2.GeluTanh).ToArray(), p + "ffn_output"), r, p
                    + "full_layer_layer_norm")).ToArray();
            }
            else
            {
                x = x.Select((r, i) => Residual(Linear(attended[i], p + "attention.output.dense"), r, p
                    + "attention.output.LayerNorm")).ToArray();
                x = x.Select(r => Residual(Linear(Linear(r, p + "intermediate.dense").Select(GeluErf).ToArray(), p + "output.dense"), r, p
                    + "output.LayerNorm")).ToArray();
            }
        }
        if (roberta) return Linear(Linear(x[0], "classifier.dense").Select(MathF.Tanh).ToArray(), "classifier.out_proj");
        if (electra) return Linear(Linear(x[0], "classifier.dense").Select(GeluErf).ToArray(), "classifier.out_proj");
        float[] pooled = distil
            ? Linear(x[0], "pre_classifier").Select(value => MathF.Max(value, 0)).ToArray()
            : Linear(x[0], albert ? "albert.pooler" : "bert.pooler.dense").Select(MathF.Tanh).ToArray();
        return Linear(pooled, "classifier");
    }

    private float[] Residual(float[] y, float[] residual, string norm) =>
        ReferenceGpt2.LayerNorm(y.Select((value, i) => value + residual[i]).ToArray(), W(norm + ".weight"), W(norm + ".bias"), Epsilon);

    private float[] Linear(float[] x, string name)
    {
        float[] weight = W(name + ".weight"), bias = W(name + ".bias");
        int outputs = bias.Length;
        var y = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < x.Length; i++) sum += weight[o * x.Length + i] * x[i];
            y[o] = (float)sum;
        }
        return y;
    }

    private static float GeluErf(float x) => (float)(0.5 * x * (1 + Erf(x / Math.Sqrt(2))));

    // Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).
    private static double Erf(double x)
    {
        double sign = Math.Sign(x), a = Math.Abs(x), t = 1 / (1 + 0.3275911 * a);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        return sign * (1 - poly * Math.Exp(-a * a));
    }
}
