using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models.HuggingFace;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PromptDfd.Engine.Models;

// A BERT-layout encoder classifier. Field names reproduce Hugging Face's BertForSequenceClassification
// parameter names (bert.encoder.layer.0.attention.self.query.weight, ...), so those checkpoints load directly.
// Post-LayerNorm blocks, exact GELU, [CLS] pooling through a tanh dense layer. DistilBERT is the same network
// without token types and with ReLU on that dense layer (its pre_classifier); RoBERTa the same network with positions
// offset past its padding id; ELECTRA the same network with GELU on that dense layer and, when its embeddings are
// narrower than its layers, a projection between them; ALBERT that projection with one layer's weights used for every
// layer; DeBERTa-v2/v3 the same network whose attention adds relative-position terms (DisentangledAttention.cs) and,
// in v3, no absolute positions. WeightLayout renames their parameters.

public sealed class BertEmbeddings : nn.Module
{
    private readonly Embedding word_embeddings;
    private readonly Embedding? position_embeddings;
    private readonly Embedding? token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;
    private readonly int positionOffset;

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        positionOffset = config.PositionOffset;
        word_embeddings = nn.Embedding(config.VocabularySize, config.TokenWidth);
        if (config.AbsolutePositions) position_embeddings = nn.Embedding(config.MaxPositions, config.TokenWidth);
        if (config.TypeVocabularySize > 0) token_type_embeddings = nn.Embedding(config.TypeVocabularySize, config.TokenWidth);
        LayerNorm = nn.LayerNorm(config.TokenWidth, config.LayerNormEpsilon);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    public Parameter Words => word_embeddings.weight!;

    public Tensor Forward(Tensor inputEmbeddings)
    {
        long time = inputEmbeddings.shape[1];
        Tensor x = inputEmbeddings;
        if (position_embeddings is not null)
        {
            // Right-padded batches: every real token's position is its index (plus RoBERTa's offset); pads are never attended to.
            Tensor positions = arange(positionOffset, positionOffset + time, dtype: ScalarType.Int64,
                device: inputEmbeddings.device).unsqueeze(0);
            x = x.Plus(position_embeddings.forward(positions));
        }
        if (token_type_embeddings is not null)
            x = x.Plus(token_type_embeddings.forward(zeros(1, time, dtype: ScalarType.Int64, device: inputEmbeddings.device)));
        return dropout.forward(LayerNorm.forward(x));
    }
}

public sealed class BertSelfAttention : nn.Module
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int heads;
    private readonly double attentionDropout;

    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(config.Width, config.Width);
        key = nn.Linear(config.Width, config.Width);
        value = nn.Linear(config.Width, config.Width);
        heads = config.Heads;
        attentionDropout = config.Dropout;
        RegisterComponents();
    }

    /// <param name="relative">DeBERTa's relative positions; null for every other encoder</param>
    public Tensor Forward(Tensor x, Tensor? attentionMask, RelativePositions? relative)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        if (relative is not null)
        {
            Tensor context = DisentangledAttention.Attend(query, key, value, heads, x, attentionMask, relative, training ? attentionDropout
                : 0);
            return context.transpose(1, 2).contiguous().view(batch, time, width);
        }
        Tensor Split(Linear projection) => projection.forward(x).view(batch, time, heads, -1).transpose(1, 2);
        Tensor y = F.scaled_dot_product_attention(Split(query), Split(key), Split(value), attentionMask, training ? attentionDropout : 0);
        return y.transpose(1, 2).contiguous().view(batch, time, width);
    }
}

public sealed class BertResidualOutput : nn.Module
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertResidualOutput(int inputWidth, BertConfig config) : base(nameof(BertResidualOutput))
    {
        dense = nn.Linear(inputWidth, config.Width);
        LayerNorm = nn.LayerNorm(config.Width, config.LayerNormEpsilon);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    public Tensor Forward(Tensor hidden, Tensor residual) => LayerNorm.forward(dropout.forward(dense.forward(hidden)).Plus(residual));
}

public sealed class BertAttention : nn.Module
{
    private readonly BertSelfAttention self;
    private readonly BertResidualOutput output;

    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config);
        output = new BertResidualOutput(config.Width, config);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? mask, RelativePositions? relative) => output.Forward(self.Forward(x, mask, relative), x);
}

public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly bool tanhGelu;

    public BertIntermediate(BertConfig config) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(config.Width, config.IntermediateWidth);
        tanhGelu = config.TanhGelu;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => tanhGelu ? F.gelu(dense.forward(x), GELU.Approximate.tanh) : F.gelu(dense.forward(x));
}

public sealed class BertLayer : nn.Module
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertResidualOutput output;

    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertResidualOutput(config.IntermediateWidth, config);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? mask, RelativePositions? relative)
    {
        Tensor attended = attention.Forward(x, mask, relative);
        return output.Forward(intermediate.forward(attended), attended);
    }
}

public sealed class BertEncoder : nn.Module
{
    private readonly ModuleList<BertLayer> layer;
    private readonly Embedding? rel_embeddings;
    private readonly LayerNorm? LayerNorm;
    private readonly BertConfig config;
    private readonly int depth;
    private readonly bool shared;

    public BertEncoder(BertConfig config) : base(nameof(BertEncoder))
    {
        this.config = config;
        shared = config.SharesLayers;
        depth = config.Layers;
        layer = nn.ModuleList(Enumerable.Range(0, shared ? 1 : depth).Select(_ => new BertLayer(config)).ToArray());
        if (config.HasRelativeAttention)
        {
            rel_embeddings = nn.Embedding(2 * config.RelativeSpan, config.Width);
            if (config.NormalizesRelativeEmbeddings) LayerNorm = nn.LayerNorm(config.Width, config.LayerNormEpsilon);
        }
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? mask)
    {
        RelativePositions? relative = null;
        if (rel_embeddings is not null)
        {
            Tensor embeddings = LayerNorm?.forward(rel_embeddings.weight!) ?? rel_embeddings.weight!;
            relative = new RelativePositions(embeddings, DisentangledAttention.RelativeIndex(config, x.shape[1], x.device),
                config.ContentToPosition, config.PositionToContent);
        }
        for (int i = 0; i < depth; i++)
        {
            // A layer's intermediates ([batch, time, intermediate width] and more) are freed as soon as it is done, so a
            // batch of long windows through a base-sized encoder holds one layer's worth, not twelve.
            using var scope = NewDisposeScope();
            x = layer[shared ? 0 : i].Forward(x, mask, relative).MoveToOuterDisposeScope();
        }
        return x;
    }
}

public sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly PoolerActivation activation;

    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        dense = nn.Linear(config.Width, config.Width);
        activation = config.Family.PoolerActivation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        Tensor projected = dense.forward(hidden.select(1, 0));
        return activation switch
        {
            PoolerActivation.Relu => F.relu(projected),
            PoolerActivation.Gelu => F.gelu(projected),
            _ => tanh(projected),
        };
    }
}

public sealed class BertBody : nn.Module
{
    private readonly BertEmbeddings embeddings;
    private readonly Linear? embeddings_project;
    private readonly BertEncoder encoder;
    private readonly BertPooler pooler;

    public BertBody(BertConfig config) : base(nameof(BertBody))
    {
        embeddings = new BertEmbeddings(config);
        if (config.TokenWidth != config.Width) embeddings_project = nn.Linear(config.TokenWidth, config.Width);
        encoder = new BertEncoder(config);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    public Parameter Words => embeddings.Words;

    /// <summary>Pooled [CLS] representation [batch, width].</summary>
    public Tensor Forward(Tensor inputEmbeddings, Tensor? keyMask)
    {
        Tensor? attentionMask = keyMask?.to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
        Tensor embedded = embeddings.Forward(inputEmbeddings);
        if (embeddings_project is not null) embedded = embeddings_project.forward(embedded);
        return pooler.forward(encoder.Forward(embedded, attentionMask));
    }
}

public sealed class BertClassifier : nn.Module<Tensor, Tensor>, ITextClassifier
{
    private readonly BertBody bert;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    public BertClassifier(BertConfig config, int classes) : base(nameof(BertClassifier))
    {
        config.Validate();
        if (classes < 2) throw new ArgumentException($"A classifier needs at least 2 classes (got {classes}).");
        Config = config;
        bert = new BertBody(config);
        dropout = nn.Dropout(config.Dropout);
        classifier = nn.Linear(config.Width, classes);
        RegisterComponents();
        InitializeWeights();
    }

    public BertConfig Config { get; }
    public int Classes => (int)classifier.weight!.shape[0];
    public int ContextLength => Config.ContextLength;
    public Parameter TokenEmbedding => bert.Words;

    public override Tensor forward(Tensor tokens) => Classify(tokens, null);

    public Tensor Classify(Tensor tokens, Tensor? mask)
    {
        // Held, not converted in the call: an implicitly converted Scalar can be finalised while libtorch still reads it.
        using Scalar padding = Config.PaddingId.ToScalar();
        mask ??= tokens.ne(padding);
        return ClassifyEmbeddings(bert.Words.index_select(0, tokens.flatten()).view(tokens.shape[0], tokens.shape[1], -1), mask);
    }

    public Tensor ClassifyEmbeddings(Tensor embeddings, Tensor? mask) =>
        classifier.forward(dropout.forward(bert.Forward(embeddings, mask)));

    private void InitializeWeights()
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) nn.init.zeros_(parameter);
            else if (name.Contains("LayerNorm", StringComparison.Ordinal)) nn.init.ones_(parameter);
            else nn.init.normal_(parameter, 0, 0.02);
        }
    }
}
