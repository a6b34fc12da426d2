using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Sources;


/// <summary>
/// The prior writes the content as in <see cref="PriorContinuation"/>, but each next token is drawn from the prior's
/// top candidates reweighted by the teacher's probability of the sample's intended class (as FUDGE reweights a
/// language model by a discriminator). The teacher reads prompt ++ content through its own KV cache: each step
/// classifies every candidate continuation with one single-token pass, so guidance costs about one teacher read
/// per candidate token instead of one per candidate text. Needs a last-token GPT teacher with the prior's tokenizer.
/// </summary>
public static class TeacherGuidedContinuation
{
    public static int[][] Continue(GptLanguageModel prior, GptClassifier teacher, ITextTokenizer tokenizer, IReadOnlyList<int[]> prompts,
        IReadOnlyList<int> classes, SamplingConfig sampling, GuidanceConfig guidance, torch.Generator generator)
    {
        sampling.Validate();
        guidance.Validate();
        int batch = prompts.Count;
        if (batch == 0) return [];
        int k = guidance.Candidates, eot = tokenizer.EndOfTextId, steps = sampling.MaxNewTokens;
        // Greedy decoding (temperature 0) takes the best combined score; the prior's term is then read at temperature 1.
        double temperature = sampling.Temperature > 0 ? sampling.Temperature : 1;
        Device device = prior.Body.TokenEmbedding.device;
        var random = new Random((int)randint(0, int.MaxValue, [1], generator: generator).item<long>());
        // The prior reads end-of-text then the prompt; the teacher reads the prompt alone, as it reads every sample.
        var priorTexts = prompts.Select(p => p.Prepend(eot).ToArray()).ToList();
        var teacherTexts = prompts.Select(p => p.Length == 0 ? [eot] : p).ToList();
        // The prior's cache takes all but each text's last token, which every step then feeds (the last token first).
        var (priorIds, priorMask, _) = LeftPadded(priorTexts.Select(t => t[..^1]).ToList(), tokenizer.PaddingId);
        int[] priorLength = priorTexts.Select(t => t.Length - 1).ToArray();
        var (teacherIds, teacherMask, teacherLength) = LeftPadded(teacherTexts, tokenizer.PaddingId);
        var output = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        bool priorWasTraining = prior.training, teacherWasTraining = teacher.training;
        prior.eval();
        teacher.eval();
        using var noGrad = no_grad();
        using KvCache priorCache = prior.NewCache();
        KvCache teacherCache = new(teacher.Config.Layers);
        try
        {
            using (var scope = NewDisposeScope())
            {
                // Fill both caches with the texts so far; only the prior's next-token distribution is needed from it.
                if (priorIds.Length > 0) prior.Body.Forward(Ids(priorIds, batch, device), priorCache, Mask(priorMask, batch, device),
                    Positions(priorMask, batch, device));
                teacher.Body.Forward(Ids(teacherIds, batch, device), teacherCache, Mask(teacherMask, batch, device),
                    Positions(teacherMask, batch, device));
            }
            long[] last = priorTexts.Select(t => (long)t[^1]).ToArray();
            for (int step = 0; step < steps && !finished.All(f => f); step++)
            {
                using var scope = NewDisposeScope();
                Tensor priorLogits = PriorNext(prior, priorCache, priorMask, priorLength, last, step, device);
                var (candidateLogits, candidates) = (priorLogits.to_type(ScalarType.Float32) / temperature).log_softmax(1).topk(k, 1);
                long[] candidateIds = candidates.cpu().data<long>().ToArray();
                float[] priorScores = candidateLogits.cpu().data<float>().ToArray();

                // Every candidate appended to every row, read by the teacher against a cache with each row repeated k times.
                using KvCache expanded = teacherCache.Repeated(k);
                Tensor expandedMask = Mask(teacherMask, batch, device).repeat_interleave(k, 0);
                Tensor candidateMask = cat([expandedMask, ones(batch * k, 1, dtype: ScalarType.Bool, device: device)], 1);
                Tensor positions = tensor(Enumerable.Range(0, batch).SelectMany(r =>
                    Enumerable.Repeat((long)teacherLength[r] + step, k)).ToArray(), [batch * k, 1]).to(device);
                Tensor hidden = teacher.Body.Forward(tensor(candidateIds, [batch * k, 1]).to(device), expanded, candidateMask,
                    positions).select(1, -1);
                float[] teacherScores = teacher.ClassifyPrefixEnd(hidden).log_softmax(1).cpu().data<float>().ToArray();
                int classCount = teacher.Classes;

                var chosenRows = new long[batch];
                for (int row = 0; row < batch; row++)
                {
                    var scores = new double[k];
                    for (int j = 0; j < k; j++)
                    {
                        double guidanceTerm = classes[row] >= 0 ? guidance.Weight * teacherScores[(row * k + j) * classCount + classes[row]]
                            : 0;
                        scores[j] = priorScores[row * k + j] + guidanceTerm;
                    }
                    int choice = sampling.Temperature == 0 ? Array.IndexOf(scores, scores.Max()) : Draw(scores, random);
                    chosenRows[row] = row * k + choice;
                    long token = candidateIds[row * k + choice];
                    if (finished[row]) token = tokenizer.PaddingId;
                    else
                    {
                        output[row].Add((int)token);
                        if (sampling.StopAtEndOfText && token == eot) finished[row] = true;
                    }
                    last[row] = token;
                }
                // The chosen candidate's row of the expanded cache already holds its keys and values: keep those rows.
                expanded.Select(tensor(chosenRows).to(device));
                teacherCache.Dispose();
                teacherCache = expanded.Repeated(1);
                for (int row = 0; row < batch; row++) teacherMask[row].Add(true);
            }
        }
        finally
        {
            teacherCache.Dispose();
            if (priorWasTraining) prior.train();
            if (teacherWasTraining) teacher.train();
        }
        return output.Select(o => (sampling.StopAtEndOfText && o.Count > 0 && o[^1] == eot ? o.Take(o.Count - 1) : o).ToArray()).ToArray();
    }

    /// <summary>Feeds the newest token (at step 0 the text's own last token) to the prior and returns its next-token logits [batch,
    /// vocabulary].</summary>
    private static Tensor PriorNext(GptLanguageModel prior, KvCache cache, List<bool>[] mask, int[] length, long[] last, int step,
        Device device)
    {
        int batch = last.Length;
        for (int row = 0; row < batch; row++) mask[row].Add(true);
        Tensor input = tensor(last, [batch, 1]).to(device);
        Tensor positions = tensor(length.Select((l, r) => (long)l + step).ToArray(), [batch, 1]).to(device);
        return prior.Logits(prior.Body.Forward(input, cache, Mask(mask, batch, device), positions).select(1, -1));
    }

    private static int Draw(double[] scores, Random random)
    {
        double max = scores.Max();
        double[] weights = scores.Select(s => Math.Exp(s - max)).ToArray();
        double target = random.NextDouble() * weights.Sum(), cumulative = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            cumulative += weights[i];
            if (cumulative > target) return i;
        }
        return weights.Length - 1;
    }

    private static (long[] Ids, List<bool>[] Mask, int[] Length) LeftPadded(IReadOnlyList<int[]> texts, int paddingId)
    {
        int longest = texts.Max(t => t.Length);
        var ids = new long[texts.Count * longest];
        var mask = new List<bool>[texts.Count];
        for (int row = 0; row < texts.Count; row++)
        {
            int offset = longest - texts[row].Length;
            mask[row] = Enumerable.Repeat(false, offset).Concat(Enumerable.Repeat(true, texts[row].Length)).ToList();
            for (int i = 0; i < longest; i++) ids[row * longest + i] = i < offset ? paddingId : texts[row][i - offset];
        }
        return (ids, mask, texts.Select(t => t.Length).ToArray());
    }

    private static Tensor Ids(long[] ids, int batch, Device device) => tensor(ids, [batch, ids.Length / batch]).to(device);

    private static Tensor Mask(List<bool>[] mask, int batch, Device device) =>
        tensor(mask.SelectMany(m => m).ToArray(), [batch, (long)mask[0].Count]).to(device);

    /// <summary>Positions that skip the left padding: a row's first real token is at 0.</summary>
    private static Tensor Positions(List<bool>[] mask, int batch, Device device) =>
        tensor(mask.SelectMany(m => { long p = -1; return m.Select(real => real ? ++p : 0L).ToArray(); }).ToArray(),
            [batch, mask[0].Count]).to(device);
}
