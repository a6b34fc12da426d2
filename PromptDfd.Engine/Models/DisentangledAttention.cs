using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models.HuggingFace;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PromptDfd.Engine.Models;

/// <summary>
/// DeBERTa's relative positions for one forward pass: the relative-position embeddings [2 × span, width] every layer
/// projects, and for each query i and key j the row of them that the distance i − j reads ([time, time]).
/// </summary>
public sealed record RelativePositions(Tensor Embeddings, Tensor Index, bool ContentToPosition, bool PositionToContent);

/// <summary>
/// DeBERTa's disentangled self-attention (He et al., 2021): besides content-to-content, a query's content attends to
/// the key's relative position (c2p) and the key's content to the query's relative position (p2c). Relative positions
/// are projected by the layer's own query and key projections (v3's share_att_key), and distances beyond half the
/// bucket count fall into logarithmically wider buckets.
/// </summary>
public static class DisentangledAttention
{
    /// <summary>
    /// For each query i and key j, the row of the relative embeddings for i − j: the distance, bucketed, moved to
    /// start at 0 and clipped to the table. The bucketing repeats the reference's float32 arithmetic step by step,
    /// because a distance on a bucket boundary lands on one side or the other by its rounding.
    /// </summary>
    public static Tensor RelativeIndex(BertConfig config, long time, Device device)
    {
        Tensor positions = arange(time, dtype: ScalarType.Int64, device: device);
        Tensor distance = positions.unsqueeze(1) - positions.unsqueeze(0);
        Tensor bucketed = config.PositionBuckets > 0 && config.MaxRelativePositions > 0
            ? LogBuckets(distance, config.PositionBuckets, config.MaxRelativePositions)
            : distance;
        // Every Scalar is held until libtorch returns (see HeldScalars): an implicitly converted one can be finalised mid-call.
        using Scalar span = config.RelativeSpan.ToScalar(), zero = 0.ToScalar(), last = (2 * config.RelativeSpan - 1).ToScalar();
        using Tensor shifted = bucketed.add(span);
        return shifted.clamp(zero, last);
    }

    private static Tensor LogBuckets(Tensor distance, int buckets, int maxPosition)
    {
        int half = buckets / 2;
        using Scalar middle = half.ToScalar(), negativeMiddle = (-half).ToScalar(), belowMiddle = (half - 1).ToScalar();
        Tensor sign = distance.sign();
        Tensor near = distance.lt(middle).logical_and(distance.gt(negativeMiddle));
        Tensor absolute = where(near, full_like(distance, belowMiddle), distance.abs());
        using Tensor logOfLargest = log(tensor((float)((maxPosition - 1) / (double)half)));
        Tensor logPosition = ceil(log(absolute.to_type(ScalarType.Float32).div(middle)).div(logOfLargest).mul(belowMiddle)).add(middle);
        return where(absolute.le(middle), distance.to_type(ScalarType.Float32), logPosition.mul(sign)).to_type(ScalarType.Int64);
    }

    /// <summary>Attention context [batch, heads, time, head width] for x [batch, time, width].</summary>
    /// <param name="keyMask">[batch, 1, 1, time], true for real tokens; pads are never attended to</param>
    /// <remarks>
    /// Unlike BERT's fused attention this materialises [batch, heads, time, time] scores and two more of that size per
    /// term, so the terms are added in place and every intermediate is freed before the next layer runs (a batch of
    /// 64 windows of 512 tokens would otherwise hold tens of GB across 12 layers).
    /// </remarks>
    public static Tensor Attend(Linear query, Linear key, Linear value, int heads, Tensor x, Tensor? keyMask, RelativePositions relative,
        double dropout)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], time = x.shape[1], headWidth = x.shape[2] / heads;
        Tensor Split(Tensor projected) => projected.view(projected.shape[0], projected.shape[1], heads, headWidth).transpose(1, 2);
        Tensor q = Split(query.forward(x)), k = Split(key.forward(x)), v = Split(value.forward(x));
        Tensor scores = q.matmul(k.transpose(-1, -2));

        Tensor positions = dropout > 0 ? F.dropout(relative.Embeddings, dropout, training: true) : relative.Embeddings;
        int terms = 1;
        if (relative.ContentToPosition)
        {
            // c2p[i, j] = q_i · K(position row of i − j)
            Tensor positionKeys = Split(key.forward(positions).unsqueeze(0));
            using Tensor all = q.matmul(positionKeys.transpose(-1, -2));
            using Tensor picked = all.gather(-1, relative.Index.expand(batch, heads, time, time));
            scores.add_(picked, HeldScalars.One);
            terms++;
        }
        if (relative.PositionToContent)
        {
            // p2c[i, j] = k_j · Q(position row of i − j): gathered per key with the index transposed, then turned back.
            Tensor positionQueries = Split(query.forward(positions).unsqueeze(0));
            using Tensor all = k.matmul(positionQueries.transpose(-1, -2));
            using Tensor picked = all.gather(-1, relative.Index.t().expand(batch, heads, time, time));
            scores.add_(picked.transpose(-1, -2), HeldScalars.One);
            terms++;
        }
        using Scalar scale = Math.Sqrt(headWidth * terms).ToScalar(), masked = float.MinValue.ToScalar();
        scores.div_(scale);
        if (keyMask is not null) scores.masked_fill_(keyMask.logical_not(), masked);
        Tensor probabilities = softmax(scores, -1);
        scores.Dispose();
        if (dropout > 0) probabilities = F.dropout(probabilities, dropout, training: true);
        return probabilities.matmul(v).MoveToOuterDisposeScope();
    }
}
