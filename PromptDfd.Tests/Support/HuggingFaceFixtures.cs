using System.Text.Json.Nodes;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Text;

namespace PromptDfd.Tests.Support;

/// <summary>Writes tiny random checkpoints exactly as Hugging Face lays them out, for the golden tests.</summary>
public static class HuggingFaceFixtures
{
    public const int Width = 16, Layers = 2, Heads = 2, Positions = 24;

    /// <summary>A GPT2Model-style folder (keys without "transformer.", Conv1D [in, out], attn.bias buffers present).</summary>
    public static Dictionary<string, NamedArray> WriteGpt2(string folder, int vocabulary, int seed = 3)
    {
        var random = new Random(seed);
        var arrays = new Dictionary<string, NamedArray>();
        void Add(string name, params long[] shape) => arrays[name] = Random(random, name, shape);
        Add("wte.weight", vocabulary, Width);
        Add("wpe.weight", Positions, Width);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"h.{l}.";
            Add(p + "ln_1.weight", Width); Add(p + "ln_1.bias", Width);
            Add(p + "attn.c_attn.weight", Width, 3 * Width); Add(p + "attn.c_attn.bias", 3 * Width);
            Add(p + "attn.c_proj.weight", Width, Width); Add(p + "attn.c_proj.bias", Width);
            Add(p + "ln_2.weight", Width); Add(p + "ln_2.bias", Width);
            Add(p + "mlp.c_fc.weight", Width, 4 * Width); Add(p + "mlp.c_fc.bias", 4 * Width);
            Add(p + "mlp.c_proj.weight", 4 * Width, Width); Add(p + "mlp.c_proj.bias", Width);
            // The causal-mask buffer real GPT-2 files carry; the loader must skip it.
            arrays[p + "attn.bias"] = new NamedArray(p + "attn.bias", [1, 1, Positions, Positions], new float[Positions * Positions]);
        }
        Add("ln_f.weight", Width); Add("ln_f.bias", Width);
        SafeTensorsFile.Write(Path.Combine(folder, Checkpoint.WeightsFile), arrays.Values);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["model_type"] = "gpt2",
            ["vocab_size"] = vocabulary,
            ["n_positions"] = Positions,
            ["n_ctx"] = Positions,
            ["n_embd"] = Width,
            ["n_layer"] = Layers,
            ["n_head"] = Heads,
            ["activation_function"] = "gelu_new",
            ["layer_norm_epsilon"] = 1e-5,
            ["n_inner"] = null,
        };
        File.WriteAllText(Path.Combine(folder, Checkpoint.ConfigFile), config.ToJsonString());
        return arrays;
    }

    public static readonly string[] BertVocabulary =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "movie", "was", "great", "terrible", "food", "un", "##believ", "##able", "!",
            ","];

    /// <summary>A BertForSequenceClassification-style folder (3 labels unless given) with an old-style LayerNorm.gamma/beta
    /// naming.</summary>
    public static Dictionary<string, NamedArray> WriteBert(string folder, int seed = 5, string[]? labels = null, int positions = Positions)
    {
        labels ??= ["negative", "neutral", "positive"];
        var random = new Random(seed);
        var arrays = new Dictionary<string, NamedArray>();
        void Add(string name, params long[] shape) => arrays[name] = Random(random, name, shape);
        int v = BertVocabulary.Length, ff = 2 * Width;
        AddBertBody(Add, "bert.", v, positions, typeVocabulary: 2, oldNormNames: true);
        Add("bert.pooler.dense.weight", Width, Width); Add("bert.pooler.dense.bias", Width);
        Add("classifier.weight", labels.Length, Width); Add("classifier.bias", labels.Length);
        SafeTensorsFile.Write(Path.Combine(folder, Checkpoint.WeightsFile), arrays.Values);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("BertForSequenceClassification"),
            ["model_type"] = "bert",
            ["vocab_size"] = v,
            ["max_position_embeddings"] = positions,
            ["type_vocab_size"] = 2,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["hidden_size"] = Width,
            ["intermediate_size"] = ff,
            ["hidden_act"] = "gelu",
            ["layer_norm_eps"] = 1e-12,
            ["pad_token_id"] = 0,
            ["id2label"] = new JsonObject(labels.Select((label, i) => KeyValuePair.Create(i.ToString(), (JsonNode?)label))),
        };
        File.WriteAllText(Path.Combine(folder, Checkpoint.ConfigFile), config.ToJsonString());
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), BertVocabulary);
        return arrays;
    }

    /// <summary>BERT's embeddings and encoder under a prefix ("bert." or RoBERTa's "roberta."); old files name LayerNorm gains gamma and
    /// beta.</summary>
    private static void AddBertBody(Action<string, long[]> add, string prefix, int vocabulary, int positions, int typeVocabulary,
        bool oldNormNames = false, int embeddingWidth = Width)
    {
        int ff = 2 * Width;
        add(prefix + "embeddings.word_embeddings.weight", [vocabulary, embeddingWidth]);
        add(prefix + "embeddings.position_embeddings.weight", [positions, embeddingWidth]);
        add(prefix + "embeddings.token_type_embeddings.weight", [typeVocabulary, embeddingWidth]);
        add(prefix + (oldNormNames ? "embeddings.LayerNorm.gamma" : "embeddings.LayerNorm.weight"), [embeddingWidth]);
        add(prefix + (oldNormNames ? "embeddings.LayerNorm.beta" : "embeddings.LayerNorm.bias"), [embeddingWidth]);
        if (embeddingWidth != Width)
        {
            add(prefix + "embeddings_project.weight", [Width, embeddingWidth]); add(prefix
            + "embeddings_project.bias", [Width]);
        }
        for (int l = 0; l < Layers; l++)
        {
            string p = $"{prefix}encoder.layer.{l}.";
            foreach (string m in new[] { "query", "key", "value" })
            {
                add(p + $"attention.self.{m}.weight", [Width, Width]); add(p
                + $"attention.self.{m}.bias", [Width]);
            }
            add(p + "attention.output.dense.weight", [Width, Width]); add(p + "attention.output.dense.bias", [Width]);
            add(p + "attention.output.LayerNorm.weight", [Width]); add(p + "attention.output.LayerNorm.bias", [Width]);
            add(p + "intermediate.dense.weight", [ff, Width]); add(p + "intermediate.dense.bias", [ff]);
            add(p + "output.dense.weight", [Width, ff]); add(p + "output.dense.bias", [Width]);
            add(p + "output.LayerNorm.weight", [Width]); add(p + "output.LayerNorm.bias", [Width]);
        }
    }

    /// <summary>
    /// A RobertaForSequenceClassification-style folder: "roberta." keys, one token type, positions for padding id + 1
    /// onwards, a classifier.dense / classifier.out_proj head, and a byte-level BPE whose specials are RoBERTa's
    /// (&lt;s&gt; 0, &lt;pad&gt; 1, &lt;/s&gt; 2, &lt;unk&gt; 3). With xlm, an XLMRobertaForSequenceClassification: the same
    /// network and keys, with the SentencePiece fixture as its tokenizer.
    /// </summary>
    public static Dictionary<string, NamedArray> WriteRoberta(string folder, int seed = 9, string[]? labels = null, bool xlm = false)
    {
        labels ??= ["negative", "positive"];
        int vocabulary = xlm ? WriteXlmRobertaTokenizer(folder) : WriteRobertaTokenizer(folder);
        var random = new Random(seed);
        var arrays = new Dictionary<string, NamedArray>();
        void Add(string name, params long[] shape) => arrays[name] = Random(random, name, shape);
        AddBertBody(Add, "roberta.", vocabulary, Positions + 2, typeVocabulary: 1);
        Add("classifier.dense.weight", Width, Width); Add("classifier.dense.bias", Width);
        Add("classifier.out_proj.weight", labels.Length, Width); Add("classifier.out_proj.bias", labels.Length);
        SafeTensorsFile.Write(Path.Combine(folder, Checkpoint.WeightsFile), arrays.Values);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(xlm ? "XLMRobertaForSequenceClassification" : "RobertaForSequenceClassification"),
            ["model_type"] = xlm ? "xlm-roberta" : "roberta",
            ["vocab_size"] = vocabulary,
            ["max_position_embeddings"] = Positions + 2,
            ["type_vocab_size"] = 1,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["hidden_size"] = Width,
            ["intermediate_size"] = 2 * Width,
            ["hidden_act"] = "gelu",
            ["layer_norm_eps"] = 1e-5,
            ["pad_token_id"] = 1,
            ["bos_token_id"] = 0,
            ["eos_token_id"] = 2,
            ["id2label"] = new JsonObject(labels.Select((label, i) => KeyValuePair.Create(i.ToString(), (JsonNode?)label))),
        };
        File.WriteAllText(Path.Combine(folder, Checkpoint.ConfigFile), config.ToJsonString());
        return arrays;
    }

    /// <summary>The SentencePiece fixture as XLM-RoBERTa's sentencepiece.bpe.model; returns the vocabulary size (its 400 pieces shifted by
    /// one, then &lt;mask&gt;).</summary>
    private static int WriteXlmRobertaTokenizer(string folder)
    {
        File.Copy(PromptDfd.Tests.Text.SentencePieceTokenizerTests.TinyModel,
            Path.Combine(folder, PromptDfd.Engine.Text.TokenizerFactory.SentencePieceFile), overwrite: true);
        return 402;
    }

    /// <summary>The tiny byte-level BPE renumbered as RoBERTa numbers its vocabulary; returns its size.</summary>
    private static int WriteRobertaTokenizer(string folder)
    {
        TinyTokenizer.WriteTo(folder);
        string path = Path.Combine(folder, "vocab.json");
        var trained = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(path))!;
        string[] special = ["<s>", "<pad>", "</s>", "<unk>"];
        var tokens = special.Concat(trained.Where(t => !t.Key.StartsWith("<|", StringComparison.Ordinal)).OrderBy(t => t.Value).Select(t =>
            t.Key)).Append("<mask>").ToList();
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(tokens.Select((token, id) =>
            KeyValuePair.Create(token, id)).ToDictionary()));
        return tokens.Count;
    }

    public enum ElectraHead { SequenceClassification, Discriminator }

    /// <summary>
    /// An ElectraForSequenceClassification-style folder with embeddings half as wide as its layers (as electra-small's
    /// 128 are to 256), or with <see cref="ElectraHead.Discriminator"/> an electra-small-discriminator-style one
    /// (discriminator_predictions head, no id2label).
    /// </summary>
    public static Dictionary<string, NamedArray> WriteElectra(string folder, int seed = 11, string[]? labels = null, ElectraHead head =
        ElectraHead.SequenceClassification)
    {
        labels ??= ["negative", "positive"];
        var random = new Random(seed);
        var arrays = new Dictionary<string, NamedArray>();
        void Add(string name, params long[] shape) => arrays[name] = Random(random, name, shape);
        int v = BertVocabulary.Length, embeddingWidth = Width / 2;
        AddBertBody(Add, "electra.", v, Positions, typeVocabulary: 2, embeddingWidth: embeddingWidth);
        var config = new JsonObject
        {
            ["model_type"] = "electra",
            ["vocab_size"] = v,
            ["embedding_size"] = embeddingWidth,
            ["max_position_embeddings"] = Positions,
            ["type_vocab_size"] = 2,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["hidden_size"] = Width,
            ["intermediate_size"] = 2 * Width,
            ["hidden_act"] = "gelu",
            ["layer_norm_eps"] = 1e-12,
            ["pad_token_id"] = 0,
            ["position_embedding_type"] = "absolute",
            ["summary_type"] = "first",
            ["summary_activation"] = "gelu",
        };
        if (head == ElectraHead.SequenceClassification)
        {
            Add("classifier.dense.weight", Width, Width); Add("classifier.dense.bias", Width);
            Add("classifier.out_proj.weight", labels.Length, Width); Add("classifier.out_proj.bias", labels.Length);
            config["architectures"] = new JsonArray("ElectraForSequenceClassification");
            config["id2label"] = new JsonObject(labels.Select((label, i) => KeyValuePair.Create(i.ToString(), (JsonNode?)label)));
        }
        else
        {
            Add("discriminator_predictions.dense.weight", Width, Width); Add("discriminator_predictions.dense.bias", Width);
            Add("discriminator_predictions.dense_prediction.weight", 1, Width); Add("discriminator_predictions.dense_prediction.bias", 1);
            config["architectures"] = new JsonArray("ElectraForPreTraining");
        }
        SafeTensorsFile.Write(Path.Combine(folder, Checkpoint.WeightsFile), arrays.Values);
        File.WriteAllText(Path.Combine(folder, Checkpoint.ConfigFile), config.ToJsonString());
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), BertVocabulary);
        return arrays;
    }

    public enum AlbertHead { SequenceClassification, PreTraining }

    /// <summary>
    /// An AlbertForSequenceClassification-style folder: embeddings half as wide as the layers, one layer's weights under
    /// albert_layer_groups.0.albert_layers.0 shared by all <see cref="Layers"/>, tanh GELU, the SentencePiece fixture as
    /// spiece.model; or with <see cref="AlbertHead.PreTraining"/> an albert-base-v2-style one (predictions and
    /// sop_classifier heads, no id2label).
    /// </summary>
    public static Dictionary<string, NamedArray> WriteAlbert(string folder, int seed = 13, string[]? labels = null, AlbertHead head =
        AlbertHead.SequenceClassification)
    {
        labels ??= ["negative", "positive"];
        File.Copy(PromptDfd.Tests.Text.AlbertTokenizerTests.TinyModel, Path.Combine(folder,
            PromptDfd.Engine.Text.TokenizerFactory.AlbertSentencePieceFile), overwrite: true);
        var random = new Random(seed);
        var arrays = new Dictionary<string, NamedArray>();
        void Add(string name, params long[] shape) => arrays[name] = Random(random, name, shape);
        const int vocabulary = 400, embeddingWidth = Width / 2, ff = 2 * Width;
        Add("albert.embeddings.word_embeddings.weight", vocabulary, embeddingWidth);
        Add("albert.embeddings.position_embeddings.weight", Positions, embeddingWidth);
        Add("albert.embeddings.token_type_embeddings.weight", 2, embeddingWidth);
        Add("albert.embeddings.LayerNorm.weight", embeddingWidth); Add("albert.embeddings.LayerNorm.bias", embeddingWidth);
        Add("albert.encoder.embedding_hidden_mapping_in.weight", Width,
            embeddingWidth); Add("albert.encoder.embedding_hidden_mapping_in.bias", Width);
        const string p = "albert.encoder.albert_layer_groups.0.albert_layers.0.";
        foreach (string m in new[] { "query", "key", "value", "dense" })
        {
            Add(p + $"attention.{m}.weight", Width, Width); Add(p
            + $"attention.{m}.bias", Width);
        }
        Add(p + "attention.LayerNorm.weight", Width); Add(p + "attention.LayerNorm.bias", Width);
        Add(p + "ffn.weight", ff, Width); Add(p + "ffn.bias", ff);
        // Pre-activations of a few units, where exact and tanh GELU differ by more than the golden test's tolerance.
        arrays[p + "ffn.weight"] = arrays[p + "ffn.weight"] with { Values = arrays[p + "ffn.weight"].Values.Select(v => 8 * v).ToArray() };
        Add(p + "ffn_output.weight", Width, ff); Add(p + "ffn_output.bias", Width);
        Add(p + "full_layer_layer_norm.weight", Width); Add(p + "full_layer_layer_norm.bias", Width);
        Add("albert.pooler.weight", Width, Width); Add("albert.pooler.bias", Width);
        var config = new JsonObject
        {
            ["model_type"] = "albert",
            ["vocab_size"] = vocabulary,
            ["embedding_size"] = embeddingWidth,
            ["max_position_embeddings"] = Positions,
            ["type_vocab_size"] = 2,
            ["num_hidden_layers"] = Layers,
            ["num_hidden_groups"] = 1,
            ["inner_group_num"] = 1,
            ["num_attention_heads"] = Heads,
            ["hidden_size"] = Width,
            ["intermediate_size"] = ff,
            ["hidden_act"] = "gelu_new",
            ["layer_norm_eps"] = 1e-12,
            ["pad_token_id"] = 0,
            ["position_embedding_type"] = "absolute",
        };
        if (head == AlbertHead.SequenceClassification)
        {
            Add("classifier.weight", labels.Length, Width); Add("classifier.bias", labels.Length);
            config["architectures"] = new JsonArray("AlbertForSequenceClassification");
            config["id2label"] = new JsonObject(labels.Select((label, i) => KeyValuePair.Create(i.ToString(), (JsonNode?)label)));
        }
        else
        {
            Add("predictions.dense.weight", embeddingWidth, Width); Add("predictions.dense.bias", embeddingWidth);
            Add("predictions.LayerNorm.weight", embeddingWidth); Add("predictions.LayerNorm.bias", embeddingWidth);
            Add("predictions.bias", vocabulary);
            Add("sop_classifier.classifier.weight", 2, Width); Add("sop_classifier.classifier.bias", 2);
            config["architectures"] = new JsonArray("AlbertForPreTraining");
        }
        SafeTensorsFile.Write(Path.Combine(folder, Checkpoint.WeightsFile), arrays.Values);
        File.WriteAllText(Path.Combine(folder, Checkpoint.ConfigFile), config.ToJsonString());
        return arrays;
    }

    public enum DistilBertHead { SequenceClassification, MaskedLanguageModel }

    /// <summary>
    /// A DistilBertForSequenceClassification-style folder (pre_classifier + classifier), or with
    /// <see cref="DistilBertHead.MaskedLanguageModel"/> a distilbert-base-uncased-style one (vocab_* head, no id2label).
    /// </summary>
    public static Dictionary<string, NamedArray> WriteDistilBert(string folder, int seed = 7, string[]? labels = null, DistilBertHead head =
        DistilBertHead.SequenceClassification)
    {
        labels ??= ["negative", "positive"];
        var random = new Random(seed);
        var arrays = new Dictionary<string, NamedArray>();
        void Add(string name, params long[] shape) => arrays[name] = Random(random, name, shape);
        int v = BertVocabulary.Length, ff = 2 * Width;
        Add("distilbert.embeddings.word_embeddings.weight", v, Width);
        Add("distilbert.embeddings.position_embeddings.weight", Positions, Width);
        Add("distilbert.embeddings.LayerNorm.weight", Width); Add("distilbert.embeddings.LayerNorm.bias", Width);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"distilbert.transformer.layer.{l}.";
            foreach (string m in new[] { "q_lin", "k_lin", "v_lin", "out_lin" })
            {
                Add(p + $"attention.{m}.weight", Width, Width); Add(p
                + $"attention.{m}.bias", Width);
            }
            Add(p + "sa_layer_norm.weight", Width); Add(p + "sa_layer_norm.bias", Width);
            Add(p + "ffn.lin1.weight", ff, Width); Add(p + "ffn.lin1.bias", ff);
            Add(p + "ffn.lin2.weight", Width, ff); Add(p + "ffn.lin2.bias", Width);
            Add(p + "output_layer_norm.weight", Width); Add(p + "output_layer_norm.bias", Width);
        }
        var config = new JsonObject
        {
            ["model_type"] = "distilbert",
            ["vocab_size"] = v,
            ["max_position_embeddings"] = Positions,
            ["sinusoidal_pos_embds"] = false,
            ["n_layers"] = Layers,
            ["n_heads"] = Heads,
            ["dim"] = Width,
            ["hidden_dim"] = ff,
            ["activation"] = "gelu",
            ["dropout"] = 0.1,
            ["attention_dropout"] = 0.1,
            ["seq_classif_dropout"] = 0.2,
            ["pad_token_id"] = 0,
        };
        if (head == DistilBertHead.SequenceClassification)
        {
            Add("pre_classifier.weight", Width, Width); Add("pre_classifier.bias", Width);
            Add("classifier.weight", labels.Length, Width); Add("classifier.bias", labels.Length);
            config["architectures"] = new JsonArray("DistilBertForSequenceClassification");
            config["id2label"] = new JsonObject(labels.Select((label, i) => KeyValuePair.Create(i.ToString(), (JsonNode?)label)));
        }
        else
        {
            Add("vocab_transform.weight", Width, Width); Add("vocab_transform.bias", Width);
            Add("vocab_layer_norm.weight", Width); Add("vocab_layer_norm.bias", Width);
            Add("vocab_projector.bias", v);
            config["architectures"] = new JsonArray("DistilBertForMaskedLM");
        }
        SafeTensorsFile.Write(Path.Combine(folder, Checkpoint.WeightsFile), arrays.Values);
        File.WriteAllText(Path.Combine(folder, Checkpoint.ConfigFile), config.ToJsonString());
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), BertVocabulary);
        return arrays;
    }

    private static NamedArray Random(Random random, string name, long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        bool gain = name.EndsWith("ln_1.weight") || name.EndsWith("ln_2.weight") || name.EndsWith("ln_f.weight")
                    || name.EndsWith("LayerNorm.weight") || name.EndsWith("LayerNorm.gamma") || name.EndsWith("layer_norm.weight");
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(gain ? 1 + 0.2 * (random.NextDouble() - 0.5)
            : 0.4 * (random.NextDouble() - 0.5));
        return new NamedArray(name, shape, values);
    }
}
