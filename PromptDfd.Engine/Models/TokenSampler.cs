using System.Numerics;

namespace PromptDfd.Engine.Models;

/// <summary>
/// Draws one token per row from next-token probabilities that were copied out of the model once. On CPU, the
/// tensor route to top-p (sorting the vocabulary of every row) and to Gumbel noise (two logarithms per vocabulary
/// entry) cost several times the transformer step itself; selection in managed code is linear in the vocabulary.
/// </summary>
public sealed class TokenSampler(SamplingConfig sampling, Random random)
{
    private int[] candidates = [];

    /// <summary>Samples a token for each row of <paramref name="probabilities"/> ([rows * vocabulary], each row summing to 1).</summary>
    public long[] Sample(ReadOnlySpan<float> probabilities, int rows)
    {
        int vocabulary = probabilities.Length / rows;
        if (candidates.Length < vocabulary) candidates = new int[vocabulary];
        var drawn = new long[rows];
        for (int row = 0; row < rows; row++) drawn[row] = SampleRow(probabilities.Slice(row * vocabulary, vocabulary));
        return drawn;
    }

    /// <summary>The most likely token of each row.</summary>
    public static long[] Greedy(ReadOnlySpan<float> scores, int rows)
    {
        int vocabulary = scores.Length / rows;
        var chosen = new long[rows];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> values = scores.Slice(row * vocabulary, vocabulary);
            int best = 0;
            for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
            chosen[row] = best;
        }
        return chosen;
    }

    private int SampleRow(ReadOnlySpan<float> probabilities)
    {
        if (sampling.TopK == 0)
        {
            // Rejection sampling: a draw from the full distribution that lands in the nucleus is an exact draw from
            // the renormalised nucleus, and it lands there with probability at least p. Membership needs only the
            // mass of the strictly more likely tokens, one vectorised pass, where finding the nucleus needs a sort.
            float total = Sum(probabilities);
            for (int attempt = 0; attempt < 64 && total > 0; attempt++)
            {
                int token = DrawFromFull(probabilities, total);
                if (sampling.TopP >= 1 || MassAbove(probabilities, probabilities[token]) < sampling.TopP * total) return token;
            }
        }
        double topP = sampling.TopP;
        // Tokens below (1 - p) / V can never be in the nucleus: all of them together hold at most 1 - p.
        float floor = topP < 1 ? (float)((1 - topP) / probabilities.Length) : 0f;
        int count = 0;
        double mass = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            float p = probabilities[i];
            if (p > 0 && p >= floor) { candidates[count++] = i; mass += p; }
        }
        if (count == 0) return (int)Greedy(probabilities, 1)[0];
        if (sampling.TopK > 0 && sampling.TopK < count)
        {
            count = KeepLargest(probabilities, count, sampling.TopK);
            mass = MassOf(probabilities, count);
        }
        if (topP < 1)
        {
            count = NucleusSize(probabilities, count, topP * mass);
            mass = MassOf(probabilities, count);
        }
        double target = random.NextDouble() * mass;
        double cumulative = 0;
        for (int i = 0; i < count; i++)
        {
            cumulative += probabilities[candidates[i]];
            if (cumulative > target) return candidates[i];
        }
        return candidates[count - 1];
    }

    private int DrawFromFull(ReadOnlySpan<float> probabilities, float total)
    {
        double target = random.NextDouble() * total, cumulative = 0;
        int lastLikely = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] <= 0) continue;
            cumulative += probabilities[i];
            lastLikely = i;
            if (cumulative > target) return i;
        }
        return lastLikely;
    }

    private static float Sum(ReadOnlySpan<float> values) => MassAbove(values, 0f);

    /// <summary>The total of the values strictly greater than <paramref name="threshold"/>.</summary>
    private static float MassAbove(ReadOnlySpan<float> values, float threshold)
    {
        var limit = new Vector<float>(threshold);
        var sums = Vector<float>.Zero;
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var chunk = new Vector<float>(values.Slice(i, Vector<float>.Count));
            sums += Vector.ConditionalSelect(Vector.GreaterThan(chunk, limit), chunk, Vector<float>.Zero);
        }
        float sum = Vector.Sum(sums);
        for (; i < values.Length; i++) if (values[i] > threshold) sum += values[i];
        return sum;
    }

    private double MassOf(ReadOnlySpan<float> probabilities, int count)
    {
        double mass = 0;
        for (int i = 0; i < count; i++) mass += probabilities[candidates[i]];
        return mass;
    }

    /// <summary>Reorders the candidates so the k most likely come first; returns k.</summary>
    private int KeepLargest(ReadOnlySpan<float> probabilities, int count, int k)
    {
        int low = 0, high = count;
        while (true)
        {
            var (greaterEnd, equalEnd) = Partition(probabilities, low, high);
            if (k <= greaterEnd) high = greaterEnd;
            else if (k <= equalEnd) return k;
            else low = equalEnd;
        }
    }

    /// <summary>
    /// Reorders the candidates so the nucleus comes first and returns its size: the fewest most likely tokens
    /// whose mass reaches <paramref name="needed"/>. Quickselect on mass instead of rank, so no full sort.
    /// </summary>
    private int NucleusSize(ReadOnlySpan<float> probabilities, int count, double needed)
    {
        // Invariant: candidates[0..low) are in the nucleus with mass `taken` < needed, and taken plus the mass of
        // candidates[low..high) reaches needed.
        int low = 0, high = count;
        double taken = 0;
        while (low < high)
        {
            var (greaterEnd, equalEnd) = Partition(probabilities, low, high);
            double greater = 0;
            for (int i = low; i < greaterEnd; i++) greater += probabilities[candidates[i]];
            if (greaterEnd > low && taken + greater >= needed) { high = greaterEnd; continue; }
            taken += greater;
            float pivot = probabilities[candidates[greaterEnd]];
            int equal = equalEnd - greaterEnd;
            if (taken + equal * (double)pivot >= needed) return greaterEnd + Math.Clamp((int)Math.Ceiling((needed - taken) / pivot), 1,
                equal);
            taken += equal * (double)pivot;
            low = equalEnd;
        }
        return Math.Max(low, 1);
    }

    /// <summary>Three-way partition of candidates[low..high) around a random pivot: greater, then equal, then less.</summary>
    private (int GreaterEnd, int EqualEnd) Partition(ReadOnlySpan<float> probabilities, int low, int high)
    {
        float pivot = probabilities[candidates[low + random.Next(high - low)]];
        int greaterEnd = low, scan = low, lessStart = high;
        while (scan < lessStart)
        {
            float value = probabilities[candidates[scan]];
            if (value > pivot)
            {
                (candidates[greaterEnd], candidates[scan]) = (candidates[scan], candidates[greaterEnd]); greaterEnd++; scan++;
            }
            else if (value < pivot) { lessStart--; (candidates[lessStart], candidates[scan]) = (candidates[scan], candidates[lessStart]); }
            else scan++;
        }
        return (greaterEnd, lessStart);
    }
}
