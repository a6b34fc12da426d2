using System.Buffers;
using System.Runtime.InteropServices;
using PromptDfd.Engine.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Models;

/// <summary>Generated continuations per row (without end-of-text and padding) and the log-probability of each sampled token.</summary>
public sealed record GeneratedBatch(long[][] Tokens, double[][] LogProbabilities);

/// <summary>
/// Batched autoregressive sampling from a GPT language model. Prompts of different lengths are left-padded and
/// masked; each step feeds only the newest token through the KV cache (or, for comparison, the whole sequence).
/// Runs under no-grad with one dispose scope per step, so memory stays flat however long the generation.
/// </summary>
public static class Generation
{
    public static GeneratedBatch Generate(GptLanguageModel model, IReadOnlyList<IReadOnlyList<int>> prompts, SamplingConfig sampling,
        int endOfTextId, int paddingId, Generator? generator = null, bool useCache = true)
    {
        sampling.Validate();
        if (prompts.Count == 0) return new GeneratedBatch([], []);
        if (prompts.Any(p =>
            p.Count == 0)) throw new ArgumentException("Every prompt needs at least one token; start empty prompts with end-of-text.");
        int longest = prompts.Max(p => p.Count);
        int context = model.Config.ContextLength;
        if (longest + sampling.MaxNewTokens > context)
        {
            throw new ArgumentException(
                $"A prompt of {longest} tokens plus {sampling.MaxNewTokens} new tokens exceeds the model's context of {context}; shorten " +
                    $"the prompt or generate fewer tokens.");
        }

        Device device = model.Body.TokenEmbedding.device;
        int batch = prompts.Count;
        var promptIds = new long[batch * longest];
        var promptMask = new bool[batch * longest];
        for (int row = 0; row < batch; row++)
        {
            int offset = longest - prompts[row].Count;
            for (int i = 0; i < prompts[row].Count; i++)
            {
                promptIds[row * longest + offset + i] = prompts[row][i];
                promptMask[row * longest + offset + i] = true;
            }
            for (int i = 0; i < offset; i++) promptIds[row * longest + i] = paddingId;
        }

        var tokens = new long[batch][];
        var logProbabilities = new double[batch][];
        for (int row = 0; row < batch; row++)
        {
            tokens[row] = new long[sampling.MaxNewTokens]; logProbabilities[row] = new double[sampling.MaxNewTokens];
        }
        var finished = new bool[batch];
        var sampler = new TokenSampler(sampling, ManagedRandom(generator));
        // Pooled so that long runs do not churn the large-object heap with a fresh vocabulary-sized array per step.
        int rowsTimesVocabulary = batch * model.Config.VocabularySize;
        float[] logProbabilityBuffer = ArrayPool<float>.Shared.Rent(rowsTimesVocabulary);
        float[] probabilityBuffer = ArrayPool<float>.Shared.Rent(rowsTimesVocabulary);

        bool wasTraining = model.training;
        model.eval();
        using var noGrad = no_grad();
        using KvCache? cache = useCache ? model.NewCache() : null;
        using Tensor allIds = tensor(promptIds, [batch, longest]).to(device).DetachFromDisposeScope();
        using Tensor allMask = tensor(promptMask, [batch, longest]).to(device).DetachFromDisposeScope();
        Tensor sequence = allIds.alias();
        Tensor mask = allMask.alias();
        bool padded = promptMask.Contains(false);
        // Held for the whole loop: implicitly converted Scalars can be finalised while libtorch still reads them.
        using Scalar one = 1.ToScalar(), zero = 0.ToScalar();
        try
        {
            for (int step = 0; step < sampling.MaxNewTokens; step++)
            {
                using var scope = NewDisposeScope();
                // Without padding, positions follow from the cache length; with left padding they skip the pads.
                Tensor? positions = padded ? mask.to_type(ScalarType.Int64).cumsum(1).sub(one).clamp_min(zero) : null;
                bool incremental = cache is not null && step > 0;
                Tensor input = incremental ? sequence.narrow(1, -1, 1) : sequence;
                if (incremental && positions is not null) positions = positions.narrow(1, -1, 1);
                // Only the last position's distribution is needed: project just that hidden state onto the vocabulary.
                Tensor logits = model.Logits(model.Body.Forward(input, cache, padded ? mask : null, positions).select(1, -1));
                Tensor logSoftmax = nn.functional.log_softmax(logits.to_type(ScalarType.Float32), 1);
                Span<float> logProbabilityRows = CopyOut(logSoftmax, logProbabilityBuffer);
                long[] nextIds = sampling.Temperature == 0
                    ? TokenSampler.Greedy(logProbabilityRows, batch)
                    : sampler.Sample(CopyOut(Probabilities(logits, logSoftmax, sampling.Temperature), probabilityBuffer), batch);
                var nextLogProbabilities = new float[batch];
                for (int row = 0; row < batch; row++) nextLogProbabilities[row] =
                    logProbabilityRows[(int)(row * logits.shape[1] + nextIds[row])];
                for (int row = 0; row < batch; row++)
                {
                    if (finished[row]) { nextIds[row] = paddingId; tokens[row][step] = paddingId; continue; }
                    tokens[row][step] = nextIds[row];
                    logProbabilities[row][step] = nextLogProbabilities[row];
                    if (sampling.StopAtEndOfText && nextIds[row] == endOfTextId) finished[row] = true;
                }
                Tensor nextTensor = tensor(nextIds, [batch, 1]).to(device);
                Tensor newSequence = cat([sequence, nextTensor], 1).MoveToOuterDisposeScope();
                sequence.Dispose();
                sequence = newSequence;
                if (padded)
                {
                    Tensor newMask = cat([mask, ones(batch, 1, dtype: ScalarType.Bool, device: device)], 1).MoveToOuterDisposeScope();
                    mask.Dispose();
                    mask = newMask;
                }
                if (finished.All(f => f)) break;
            }
        }
        finally
        {
            sequence.Dispose(); mask.Dispose();
            ArrayPool<float>.Shared.Return(logProbabilityBuffer);
            ArrayPool<float>.Shared.Return(probabilityBuffer);
            if (wasTraining) model.train();
        }

        for (int row = 0; row < batch; row++)
        {
            int endAt = sampling.StopAtEndOfText ? Array.IndexOf(tokens[row], (long)endOfTextId) : -1;
            int keep = endAt >= 0 ? endAt : sampling.MaxNewTokens;
            tokens[row] = tokens[row][..keep];
            // The end-of-text choice is part of what the policy did, so its log-probability is kept.
            logProbabilities[row] = logProbabilities[row][..(endAt >= 0 ? endAt + 1 : keep)];
        }
        return new GeneratedBatch(tokens, logProbabilities);
    }

    /// <summary>Draws one token per row from logits [batch, vocabulary].</summary>
    public static Tensor SampleNext(Tensor logits, SamplingConfig sampling, Generator? generator)
    {
        if (sampling.Temperature == 0) return logits.argmax(1);
        Tensor probabilities = logits.to_type(ScalarType.Float32).DividedBy(sampling.Temperature).softmax(1);
        float[] buffer = ArrayPool<float>.Shared.Rent((int)probabilities.numel());
        try
        {
            long[] ids = new TokenSampler(sampling, ManagedRandom(generator)).Sample(CopyOut(probabilities, buffer), (int)logits.shape[0]);
            return tensor(ids).to(logits.device);
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>
    /// A managed generator seeded from the torch one, so sampling stays reproducible from the same seed and
    /// still advances the torch generator's state.
    /// </summary>
    private static Random ManagedRandom(Generator? generator) =>
        new((int)randint(0, int.MaxValue, [1], generator: generator).item<long>());

    private static Tensor Probabilities(Tensor logits, Tensor logSoftmax, double temperature) =>
        temperature == 1 ? logSoftmax.exp() : (logits.to_type(ScalarType.Float32) / temperature).softmax(1);

    private static Span<float> CopyOut(Tensor values, float[] buffer)
    {
        using Tensor dense = values.to_type(ScalarType.Float32).cpu().contiguous();
        ReadOnlySpan<float> source = MemoryMarshal.Cast<byte, float>(dense.bytes);
        source.CopyTo(buffer);
        return buffer.AsSpan(0, source.Length);
    }

    /// <summary>Log-probability of each token given the ones before it: [batch, time - 1] for ids [batch, time].</summary>
    public static Tensor TokenLogProbabilities(GptLanguageModel model, Tensor ids, Tensor? mask = null, Tensor? positions = null)
    {
        Tensor logits = model.Forward(ids, null, mask, positions);
        Tensor logSoftmax = nn.functional.log_softmax(logits.narrow(1, 0, ids.shape[1] - 1), 2);
        return logSoftmax.gather(2, ids.narrow(1, 1, ids.shape[1] - 1).unsqueeze(2)).squeeze(2);
    }
}
