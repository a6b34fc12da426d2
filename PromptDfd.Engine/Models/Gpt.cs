using PromptDfd.Engine.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PromptDfd.Engine.Models;

// A GPT-2-layout decoder. Module and field names reproduce Hugging Face's parameter names
// (transformer.h.0.attn.c_attn.weight, ...) so their checkpoints map one to one; only the Conv1D weights
// are stored transposed there (see WeightLayout.IsTransposedInFile). Pre-LayerNorm blocks, tanh GELU, learned positions,
// output layer tied to the token embedding.

/// <summary>Causal multi-head self-attention with an optional KV cache and key padding mask.</summary>
public sealed class CausalSelfAttention : nn.Module
{
    private readonly Linear c_attn;
    private readonly Linear c_proj;
    private readonly Dropout resid_dropout;
    private readonly int heads;
    private readonly double attentionDropout;

    public CausalSelfAttention(GptConfig config) : base(nameof(CausalSelfAttention))
    {
        heads = config.Heads;
        attentionDropout = config.Dropout;
        c_attn = nn.Linear(config.Width, 3 * config.Width);
        c_proj = nn.Linear(config.Width, config.Width);
        resid_dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    /// <param name="x">[batch, time, width]</param>
    /// <param name="layer">index of this block, to find its slot in the cache</param>
    /// <param name="cache">past keys/values; appended to when given</param>
    /// <param name="past">cached positions before this call (the same for every layer of one forward pass)</param>
    /// <param name="keyMask">[batch, past + time] booleans, true where a key is a real token; null when none is padding</param>
    public Tensor Forward(Tensor x, int layer, KvCache? cache, long past, Tensor? keyMask)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        Tensor[] qkv = c_attn.forward(x).split(width, 2);
        Tensor q = qkv[0].view(batch, time, heads, -1).transpose(1, 2);
        Tensor k = qkv[1].view(batch, time, heads, -1).transpose(1, 2);
        Tensor v = qkv[2].view(batch, time, heads, -1).transpose(1, 2);
        if (cache is not null) (k, v) = cache.Append(layer, k, v);

        double dropout = training ? attentionDropout : 0.0;
        Tensor y;
        if (keyMask is null && past == 0)
        {
            y = F.scaled_dot_product_attention(q, k, v, p: dropout, is_casual: true);
        }
        else if (time == 1)
        {
            // One new query sees every cached key, so only padding needs masking.
            Tensor? paddingMask = keyMask?.to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
            y = F.scaled_dot_product_attention(q, k, v, paddingMask, dropout);
        }
        else
        {
            y = F.scaled_dot_product_attention(q, k, v, AttentionMask(batch, time, past, keyMask, x.device), dropout);
        }
        y = y.transpose(1, 2).contiguous().view(batch, time, width);
        return resid_dropout.forward(c_proj.forward(y));
    }

    /// <summary>[batch, 1, time, past + time]: query i may see key j when j is not in its future and is a real token.</summary>
    private static Tensor AttentionMask(long batch, long time, long past, Tensor? keyMask, Device device)
    {
        using Scalar first = past.ToScalar(), end = (past + time).ToScalar(), zero = 0.ToScalar();
        Tensor queryPositions = arange(first, end, device: device).unsqueeze(1);
        Tensor keyPositions = arange(zero, end, device: device).unsqueeze(0);
        Tensor causal = keyPositions.le(queryPositions).unsqueeze(0).unsqueeze(0);
        if (keyMask is null) return causal.expand(batch, 1, time, past + time);
        Tensor mask = causal.logical_and(keyMask.to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1));
        // A fully masked row (a padding query) would make softmax NaN; let it see itself, its output is ignored.
        Tensor self = keyPositions.eq(queryPositions).unsqueeze(0).unsqueeze(0);
        return mask.logical_or(self.logical_and(mask.any(-1, keepdim: true).logical_not()));
    }

}

public sealed class GptMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly Linear c_proj;
    private readonly Dropout dropout;

    public GptMlp(GptConfig config) : base(nameof(GptMlp))
    {
        c_fc = nn.Linear(config.Width, 4 * config.Width);
        c_proj = nn.Linear(4 * config.Width, config.Width);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        dropout.forward(c_proj.forward(F.gelu(c_fc.forward(x), GELU.Approximate.tanh)));
}

public sealed class GptBlock : nn.Module
{
    private readonly LayerNorm ln_1;
    private readonly CausalSelfAttention attn;
    private readonly LayerNorm ln_2;
    private readonly GptMlp mlp;

    public GptBlock(GptConfig config) : base(nameof(GptBlock))
    {
        ln_1 = nn.LayerNorm(config.Width, config.LayerNormEpsilon);
        attn = new CausalSelfAttention(config);
        ln_2 = nn.LayerNorm(config.Width, config.LayerNormEpsilon);
        mlp = new GptMlp(config);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, int layer, KvCache? cache, long past, Tensor? keyMask)
    {
        x = x.Plus(attn.Forward(ln_1.forward(x), layer, cache, past, keyMask));
        return x.Plus(mlp.forward(ln_2.forward(x)));
    }
}

/// <summary>Embeddings, blocks and final LayerNorm: the part shared by the language model and the classifier.</summary>
public sealed class GptBody : nn.Module
{
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly Dropout drop;
    private readonly ModuleList<GptBlock> h;
    private readonly LayerNorm ln_f;

    public GptConfig Config { get; }

    public GptBody(GptConfig config) : base(nameof(GptBody))
    {
        config.Validate();
        Config = config;
        wte = nn.Embedding(config.VocabularySize, config.Width);
        wpe = nn.Embedding(config.ContextLength, config.Width);
        drop = nn.Dropout(config.Dropout);
        h = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new GptBlock(config)).ToArray());
        ln_f = nn.LayerNorm(config.Width, config.LayerNormEpsilon);
        RegisterComponents();
        InitializeWeights();
    }

    public Parameter TokenEmbedding => wte.weight!;

    /// <summary>Hidden states [batch, time, width] for token ids [batch, time].</summary>
    /// <param name="positions">[batch, time] position ids; defaults to cache length + 0..time-1</param>
    public Tensor Forward(Tensor tokens, KvCache? cache = null, Tensor? keyMask = null, Tensor? positions = null) =>
        ForwardEmbeddings(wte.forward(tokens), cache, keyMask, positions);

    /// <summary>The same pass from input embeddings, for methods that optimise soft tokens (AS-DFD).</summary>
    public Tensor ForwardEmbeddings(Tensor embeddings, KvCache? cache = null, Tensor? keyMask = null, Tensor? positions = null)
    {
        long time = embeddings.shape[1];
        long past = cache?.Length ?? 0;
        if (past + time > Config.ContextLength)
        {
            throw new ArgumentException($"Sequence of {past + time} tokens exceeds the model's context length {Config.ContextLength}.");
        }
        if (positions is null)
        {
            // Held Scalars: implicitly converted ones can be finalised while libtorch reads them (see HeldScalars).
            using Scalar start = past.ToScalar(), stop = (past + time).ToScalar();
            positions = arange(start, stop, dtype: ScalarType.Int64, device: embeddings.device).unsqueeze(0);
        }
        Tensor x = drop.forward(embeddings.Plus(wpe.forward(positions)));
        for (int layer = 0; layer < Config.Layers; layer++) x = h[layer].Forward(x, layer, cache, past, keyMask);
        return ln_f.forward(x);
    }

    private void InitializeWeights()
    {
        // GPT-2's initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2 * layers).
        using var _ = no_grad();
        double residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) nn.init.zeros_(parameter);
            else if (name.Contains("ln_", StringComparison.Ordinal)) nn.init.ones_(parameter);
            else if (name.EndsWith("c_proj.weight", StringComparison.Ordinal)) nn.init.normal_(parameter, 0, residualStd);
            else nn.init.normal_(parameter, 0, 0.02);
        }
    }
}

/// <summary>GPT-2 language model: the body plus an output layer tied to the token embedding.</summary>
public sealed class GptLanguageModel : nn.Module<Tensor, Tensor>
{
    private readonly GptBody transformer;

    public GptLanguageModel(GptConfig config) : base(nameof(GptLanguageModel))
    {
        transformer = new GptBody(config);
        RegisterComponents();
    }

    public GptConfig Config => transformer.Config;
    public GptBody Body => transformer;

    /// <summary>Next-token logits [batch, time, vocabulary].</summary>
    public override Tensor forward(Tensor tokens) => Logits(transformer.Forward(tokens));

    public Tensor Forward(Tensor tokens, KvCache? cache, Tensor? keyMask = null, Tensor? positions = null) =>
        Logits(transformer.Forward(tokens, cache, keyMask, positions));

    public Tensor Logits(Tensor hidden) => hidden.matmul(transformer.TokenEmbedding.t());

    public KvCache NewCache() => new(Config.Layers);
}

/// <summary>
/// GPT body with a linear classification head on the last real token or the mean of all of them (Hugging Face's
/// GPT2ForSequenceClassification layout: score.weight without bias).
/// </summary>
public sealed class GptClassifier : nn.Module<Tensor, Tensor>, ITextClassifier
{
    private readonly GptBody transformer;
    private readonly Linear score;

    public GptClassifier(GptConfig config, int classes, ClassifierPooling pooling = ClassifierPooling.LastToken)
        : base(nameof(GptClassifier))
    {
        if (classes < 2) throw new ArgumentException($"A classifier needs at least 2 classes (got {classes}).");
        Pooling = pooling;
        transformer = new GptBody(config);
        score = nn.Linear(config.Width, classes, hasBias: false);
        RegisterComponents();
        using var _ = no_grad();
        nn.init.normal_(score.weight!, 0, 0.02);
    }

    public GptConfig Config => transformer.Config;
    public GptBody Body => transformer;
    public int Classes => (int)score.weight!.shape[0];
    public int ContextLength => Config.ContextLength;
    public ClassifierPooling Pooling { get; }
    public Parameter TokenEmbedding => transformer.TokenEmbedding;

    /// <summary>A classifier whose body starts from a pre-trained language model's weights (the head starts fresh).</summary>
    public static GptClassifier FromLanguageModel(GptLanguageModel prior, int classes, double dropout, ClassifierPooling pooling =
        ClassifierPooling.LastToken)
    {
        var classifier = new GptClassifier(prior.Config with { Dropout = dropout }, classes, pooling);
        var body = prior.state_dict().Where(p => p.Key.StartsWith("transformer.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p =>
            p.Value);
        var (missing, unexpected) = classifier.load_state_dict(body, strict: false);
        if (unexpected.Count > 0 || missing.Any(m => !m.StartsWith("score.", StringComparison.Ordinal)))
            throw new InvalidOperationException($"The language model's body does not fit the classifier (missing: " +
                $"{string.Join(", ", missing)}; unexpected: {string.Join(", ", unexpected)}).");
        classifier.to(prior.Body.TokenEmbedding.device);
        return classifier;
    }

    public override Tensor forward(Tensor tokens) => Classify(tokens, null);

    public Tensor Classify(Tensor tokens, Tensor? mask) => Pool(transformer.Forward(tokens, keyMask: mask), mask);

    public Tensor ClassifyEmbeddings(Tensor embeddings, Tensor? mask) =>
        Pool(transformer.ForwardEmbeddings(embeddings, keyMask: mask), mask);

    /// <summary>
    /// Class logits of the text that ends at each given hidden state [rows, width]. With last-token pooling over a
    /// causal body, that is the classification of every prefix, so a decoder can ask it token by token through a
    /// KV cache (teacher-guided decoding) instead of re-reading the whole text.
    /// </summary>
    public Tensor ClassifyPrefixEnd(Tensor hidden) => Pooling == ClassifierPooling.LastToken
        ? score.forward(hidden)
        : throw new InvalidOperationException("Only a last-token classifier classifies a prefix from its last hidden state; this one " +
            "averages over tokens.");

    /// <summary>Class logits and, from the same pass, next-token logits through the tied embedding (the body's
    /// language-model head), for fine-tuning with an auxiliary language-modelling loss.</summary>
    public (Tensor ClassLogits, Tensor NextTokenLogits) ClassifyAndPredictNext(Tensor tokens, Tensor? mask)
    {
        Tensor hidden = transformer.Forward(tokens, keyMask: mask);
        return (Pool(hidden, mask), hidden.matmul(transformer.TokenEmbedding.t()));
    }

    private Tensor Pool(Tensor hidden, Tensor? mask) => score.forward(Pooling switch
    {
        ClassifierPooling.Mean => MeanOverTokens(hidden, mask),
        _ => LastToken(hidden, mask),
    });

    private static Tensor LastToken(Tensor hidden, Tensor? mask)
    {
        // Right-padded batches: the last real token sees the whole text.
        if (mask is null) return hidden.select(1, -1);
        Tensor last = mask.to_type(ScalarType.Int64).sum(1).sub(HeldScalars.One).clamp_min(HeldScalars.Zero);
        return hidden.gather(1, last.view(-1, 1, 1).expand(-1, 1, hidden.shape[2])).squeeze(1);
    }

    private static Tensor MeanOverTokens(Tensor hidden, Tensor? mask)
    {
        if (mask is null) return hidden.mean([1]);
        Tensor weights = mask.to_type(hidden.dtype).unsqueeze(-1);
        return hidden.mul(weights).sum(1).div(weights.sum(1).clamp_min(HeldScalars.One));
    }
}

/// <summary>
/// How a GPT-body classifier summarises a text before its linear head. LastToken is GPT2ForSequenceClassification's
/// rule (the only one Hugging Face checkpoints use); Mean averages every real token, which weighs the whole text
/// rather than what a causal model has carried to its end.
/// </summary>
public enum ClassifierPooling
{
    LastToken,
    Mean,
}

/// <summary>The names pooling goes by in config files and on the command line: "last" and "mean".</summary>
public static class ClassifierPoolingNames
{
    public static string Name(this ClassifierPooling pooling) => pooling == ClassifierPooling.Mean ? "mean" : "last";

    /// <param name="source">where the name came from, for the error message</param>
    public static ClassifierPooling Parse(string name, string source) => name switch
    {
        "last" => ClassifierPooling.LastToken,
        "mean" => ClassifierPooling.Mean,
        _ => throw new ArgumentException($"{source} is '{name}'; it must be 'last' or 'mean'."),
    };
}
