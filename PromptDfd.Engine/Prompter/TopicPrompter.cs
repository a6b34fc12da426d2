using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Prompter;

/// <summary>
/// The topic prompter P_phi(p | c): a copy of the language prior that reads a learned per-class prefix, then the
/// end-of-text token (a document start), then writes K prompt tokens. Only the prefix, the last blocks and the final
/// LayerNorm are trained. The prefix starts as the end-of-text embedding plus small noise, so at initialisation the
/// prompter behaves like the reference P_0 = G.
/// </summary>
public sealed class TopicPrompter : nn.Module
{
    private readonly GptLanguageModel lm;
    private readonly Parameter class_prefix;
    private readonly int endOfText;

    public TopicPrompter(GptLanguageModel prior, int classes, int endOfTextId, PrompterConfig config) : base(nameof(TopicPrompter))
    {
        config.Validate(prior.Config);
        Config = config;
        endOfText = endOfTextId;
        lm = new GptLanguageModel(prior.Config);
        lm.load_state_dict(prior.state_dict());
        using (no_grad())
        {
            Tensor start = prior.Body.TokenEmbedding[endOfTextId].detach().cpu();
            class_prefix = new Parameter(start.expand(classes, config.PrefixLength, -1)
                + randn(classes, config.PrefixLength, start.shape[0]) * 0.02);
        }
        RegisterComponents();
        this.to(prior.Body.TokenEmbedding.device);
        int firstTrained = prior.Config.Layers - config.TrainableBlocks;
        foreach (var (name, parameter) in lm.named_parameters())
        {
            bool trained = name.StartsWith("transformer.ln_f.", StringComparison.Ordinal)
                           || Enumerable.Range(firstTrained, config.TrainableBlocks).Any(l =>
                               name.StartsWith($"transformer.h.{l}.", StringComparison.Ordinal));
            parameter.requires_grad = trained;
        }
    }

    public PrompterConfig Config { get; }
    public int Classes => (int)class_prefix.shape[0];
    public IEnumerable<Parameter> TrainableParameters => parameters().Where(p => p.requires_grad);

    /// <summary>A frozen copy of this prompter as it is now (a reference policy for the plausibility term).</summary>
    public TopicPrompter FrozenCopy()
    {
        var copy = new TopicPrompter(lm, Classes, endOfText, Config);
        copy.load_state_dict(state_dict());
        foreach (Parameter parameter in copy.parameters()) parameter.requires_grad = false;
        copy.eval();
        return copy;
    }

    /// <summary>Samples one prompt of K tokens per requested class (no gradients).</summary>
    public long[][] Sample(IReadOnlyList<int> classes, Generator? generator) => SampleWith(classes, generator, withPrefix: true);

    private long[][] SampleWith(IReadOnlyList<int> classes, Generator? generator, bool withPrefix)
    {
        int batch = classes.Count, length = Config.PromptLength;
        var prompts = new long[batch][];
        for (int i = 0; i < batch; i++) prompts[i] = new long[length];
        bool wasTraining = training;
        eval();
        using (no_grad())
        using (KvCache cache = lm.NewCache())
        {
            using (var scope = NewDisposeScope())
            {
                Tensor context = withPrefix ? Context(classes) : Context(classes).narrow(1, Config.PrefixLength, 1);
                Tensor next = SampleFrom(lm.Logits(lm.Body.ForwardEmbeddings(context, cache)).select(1, -1), generator, mayEnd: false);
                Store(next, prompts, 0);
            }
            for (int position = 1; position < length; position++)
            {
                using var scope = NewDisposeScope();
                Tensor previous = tensor(prompts.Select(p => p[position - 1]).ToArray(), [batch, 1]).to(class_prefix.device);
                Tensor hidden = lm.Body.ForwardEmbeddings(Embed(previous), cache);
                Store(SampleFrom(lm.Logits(hidden).select(1, -1), generator, mayEnd: Config.VariableLength), prompts, position);
                // After a prompt ends, the rest of its K slots hold end-of-text; they are fed but never scored.
                for (int i = 0; i < batch; i++) if (prompts[i][position - 1] == endOfText) prompts[i][position] = endOfText;
            }
        }
        if (wasTraining) train();
        return prompts;
    }

    /// <summary>Samples prompts from the reference P_0 = G (the prior reading end-of-text), as the prompter does but without a class
    /// prefix.</summary>
    public long[][] SampleReference(int count, Generator? generator) => SampleWith(Enumerable.Repeat(0, count).ToList(), generator,
        withPrefix: false);

    /// <summary>log P_phi(p | c) summed over the prompt's tokens [batch], and the mean entropy of the next-token distributions
    /// [batch].</summary>
    public (Tensor LogProbability, Tensor Entropy) Score(IReadOnlyList<int> classes, long[][] prompts)
    {
        Tensor ids = tensor(prompts.SelectMany(p => p).ToArray(), [prompts.Length, Config.PromptLength]).to(class_prefix.device);
        Tensor inputs = cat([Context(classes), Embed(ids.narrow(1, 0, Config.PromptLength - 1))], 1);
        Tensor logits = lm.Logits(lm.Body.ForwardEmbeddings(inputs)).narrow(1, Config.PrefixLength, Config.PromptLength);
        return PromptLogProbabilities(logits, ids, endOfText, Config.VariableLength);
    }

    /// <summary>
    /// Supervised warm start: raises log P_phi(p | c) of hand-written prompts (each cut to K tokens) for a few steps,
    /// so RL starts near label-descriptive prompts instead of from the prior's generic openings. Returns the last loss.
    /// </summary>
    public double WarmStart(IReadOnlyList<(int Class, int[] Prompt)> examples, int steps, double learningRate)
    {
        // A prompt shorter than K ends with end-of-text when prompts may end early, so the prompter learns where it stops.
        var usable = examples.Select(e => (e.Class, Prompt: e.Prompt.Where(t => t != endOfText).ToArray()))
            .Where(e => e.Prompt.Length > 0)
            .Select(e => (e.Class, Prompt: (Config.VariableLength ? e.Prompt.Append(endOfText)
                : e.Prompt).Take(Config.PromptLength).ToArray()))
            .ToList();
        if (usable.Count == 0 || steps == 0) return double.NaN;
        using var optimizer = AdamOptimizer.Adam(TrainableParameters, learningRate);
        double last = double.NaN;
        bool wasTraining = training;
        train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor total = zeros(1, device: class_prefix.device);
            foreach (var group in usable.GroupBy(e => e.Prompt.Length))
            {
                int length = group.Key;
                var rows = group.ToList();
                Tensor ids = tensor(rows.SelectMany(r => r.Prompt.Select(t => (long)t)).ToArray(),
                    [rows.Count, length]).to(class_prefix.device);
                Tensor context = Context(rows.Select(r => r.Class).ToList());
                Tensor inputs = length > 1 ? cat([context, Embed(ids.narrow(1, 0, length - 1))], 1) : context;
                Tensor logits = lm.Logits(lm.Body.ForwardEmbeddings(inputs)).narrow(1, Config.PrefixLength, length);
                total = total - PromptLogProbabilities(logits, ids, endOfText, Config.VariableLength).LogProbability.sum() / usable.Count;
            }
            total.backward();
            optimizer.Step();
            last = total.item<float>();
        }
        if (!wasTraining) eval();
        return last;
    }

    /// <summary>The reference log P_0(p): the frozen prior reading end-of-text then the prompt (up to and including an end-of-text that
    /// ends it early, when prompts may).</summary>
    public static Tensor ReferenceLogProbability(GptLanguageModel prior, long[][] prompts, int endOfTextId, bool variableLength = false)
    {
        int length = prompts[0].Length;
        Tensor ids = tensor(prompts.SelectMany(p => p).ToArray(), [prompts.Length, length]).to(prior.Body.TokenEmbedding.device);
        using Scalar startToken = endOfTextId.ToScalar();
        Tensor inputs = cat([full(prompts.Length, 1, startToken, dtype: ScalarType.Int64, device: ids.device),
            ids.narrow(1, 0, length - 1)], 1);
        return PromptLogProbabilities(prior.forward(inputs), ids, endOfTextId, variableLength).LogProbability;
    }

    // Prompts never contain end-of-text, for the policy and the reference alike, so the two stay comparable.
    // log 0 is -inf after masking; clamping keeps 0 * log 0 at 0 in the entropy. Held for the process (see HeldScalars).
    private static readonly Scalar LogOfZero = (-1e9).ToScalar();

    private static (Tensor LogProbability, Tensor Entropy) PromptLogProbabilities(Tensor logits, Tensor ids, int endOfTextId,
        bool variableLength)
    {
        if (!variableLength)
        {
            Tensor logSoftmax = nn.functional.log_softmax(WithoutEndOfText(logits, endOfTextId), 2);
            Tensor chosen = logSoftmax.gather(2, ids.unsqueeze(2)).squeeze(2).sum(1);
            Tensor entropy = (logSoftmax.exp() * logSoftmax.clamp_min(LogOfZero)).sum(2).mean([1L]).neg();
            return (chosen, entropy);
        }
        // A prompt has at least one token, so only its first position excludes end-of-text; the positions after the
        // end-of-text that ends it are padding and count for nothing.
        Tensor first = WithoutEndOfText(logits.narrow(1, 0, 1), endOfTextId);
        Tensor masked = logits.shape[1] > 1 ? cat([first, logits.narrow(1, 1, logits.shape[1] - 1)], 1) : first;
        Tensor logProbabilities = nn.functional.log_softmax(masked, 2);
        Tensor ended = ids.eq(endOfTextId).to_type(ScalarType.Int64);
        Tensor counted = (ended.cumsum(1) - ended).eq(HeldScalars.Zero).to_type(logProbabilities.dtype);
        Tensor chosenTokens = logProbabilities.gather(2, ids.unsqueeze(2)).squeeze(2);
        Tensor positionEntropy = (logProbabilities.exp() * logProbabilities.clamp_min(LogOfZero)).sum(2).neg();
        return ((chosenTokens * counted).sum(1), (positionEntropy * counted).sum(1) / counted.sum(1));
    }

    private static Tensor WithoutEndOfText(Tensor logits, int endOfTextId)
    {
        Tensor mask = zeros([logits.shape[^1]], dtype: ScalarType.Bool, device: logits.device);
        mask[endOfTextId] = tensor(true);
        // Held explicitly: an implicitly converted Scalar can be finalised while libtorch reads it.
        using Scalar excluded = double.NegativeInfinity.ToScalar();
        return logits.masked_fill(mask, excluded);
    }

    private Tensor SampleFrom(Tensor logits, Generator? generator, bool mayEnd) =>
        Generation.SampleNext(mayEnd ? logits : WithoutEndOfText(logits, endOfText), Config.Sampling, generator);

    private static void Store(Tensor next, long[][] prompts, int position)
    {
        long[] values = next.cpu().data<long>().ToArray();
        for (int i = 0; i < prompts.Length; i++) prompts[i][position] = values[i];
    }

    /// <summary>[batch, prefix + 1, width]: the class prefix followed by the end-of-text embedding.</summary>
    private Tensor Context(IReadOnlyList<int> classes)
    {
        Tensor index = tensor(classes.Select(c => (long)c).ToArray()).to(class_prefix.device);
        using Scalar startToken = endOfText.ToScalar();
        Tensor start = Embed(full(classes.Count, 1, startToken, dtype: ScalarType.Int64, device: class_prefix.device));
        return cat([class_prefix.index_select(0, index), start], 1);
    }

    private Tensor Embed(Tensor ids) =>
        lm.Body.TokenEmbedding.index_select(0, ids.flatten()).view(ids.shape[0], ids.shape[1], -1);
}
