using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Models;

/// <summary>
/// How a model's parameter names and shapes relate to a Hugging Face checkpoint: which file keys to ignore,
/// how to normalise a file key to our name, and which weights Hugging Face stores transposed.
/// </summary>
public abstract partial class WeightLayout
{
    /// <summary>Our parameter name for a key found in a file, or null when the key carries nothing we use.</summary>
    public abstract string? ToModelName(string fileKey);

    /// <summary>The key a file of this layout stores one of our parameters under (the inverse of <see cref="ToModelName"/>).</summary>
    public virtual string ToFileName(string modelName) => modelName;

    /// <summary>True when the file stores this parameter as [in, out] (GPT-2's Conv1D) rather than [out, in].</summary>
    public virtual bool IsTransposedInFile(string modelName) => false;

    /// <summary>Parameters that may be absent from a file and keep their fresh initialisation (a new classification head).</summary>
    public virtual bool MayBeMissing(string modelName) => false;

    public static WeightLayout Gpt2 { get; } = new Gpt2Layout();

    /// <summary>An encoder classifier's file, in its family's names; allowNewHead lets a file without a head load (the head stays
    /// fresh).</summary>
    public static WeightLayout Encoder(BertConfig config, bool allowNewHead) => config.Family switch
    {
        EncoderFamily.DistilBert => new DistilBertLayout(allowNewHead),
        EncoderFamily.Roberta or EncoderFamily.XlmRoberta => DenseHeadLayout.Roberta(allowNewHead),
        EncoderFamily.Electra => DenseHeadLayout.Electra(allowNewHead),
        EncoderFamily.Albert => new AlbertLayout(allowNewHead),
        EncoderFamily.DebertaV2 => new DebertaV2Layout(config, allowNewHead),
        _ => new BertLayout(allowNewHead),
    };

    /// <summary>A BERT-family encoder's body only: any head in the file (pre-training or another task's) is left out, the classifier keeps
    /// its fresh head.</summary>
    public static WeightLayout EncoderBody(BertConfig config) => config.Family switch
    {
        EncoderFamily.DistilBert => new DistilBertLayout(allowNewHead: true, dropFileHead: true),
        EncoderFamily.Roberta or EncoderFamily.XlmRoberta => DenseHeadLayout.Roberta(allowNewHead: true, dropFileHead: true),
        EncoderFamily.Electra => DenseHeadLayout.Electra(allowNewHead: true, dropFileHead: true),
        EncoderFamily.Albert => new AlbertLayout(allowNewHead: true, dropFileHead: true),
        EncoderFamily.DebertaV2 => new DebertaV2Layout(config, allowNewHead: true, dropFileHead: true),
        _ => new BertLayout(allowNewHead: true, dropFileHead: true),
    };

    private sealed partial class Gpt2Layout : WeightLayout
    {
        public override string? ToModelName(string fileKey)
        {
            // Causal-mask buffers are constants; GPT2Model files omit the "transformer." prefix.
            if (fileKey.EndsWith(".attn.bias", StringComparison.Ordinal) || fileKey.EndsWith(".attn.masked_bias",
                StringComparison.Ordinal)) return null;
            if (fileKey.StartsWith("transformer.", StringComparison.Ordinal) || fileKey.StartsWith("score.", StringComparison.Ordinal)
                || fileKey.StartsWith("lm_head.", StringComparison.Ordinal)) return fileKey;
            return "transformer." + fileKey;
        }

        public override bool IsTransposedInFile(string modelName) => Conv1D().IsMatch(modelName);

        [GeneratedRegex(@"\.(c_attn|c_proj|c_fc)\.weight$")]
        private static partial Regex Conv1D();
    }

    private sealed class BertLayout(bool allowNewHead, bool dropFileHead = false) : WeightLayout
    {
        public override string? ToModelName(string fileKey)
        {
            if (fileKey.StartsWith("cls.", StringComparison.Ordinal) || fileKey.EndsWith("position_ids", StringComparison.Ordinal)) return
                null;
            if (dropFileHead && fileKey.StartsWith("classifier.", StringComparison.Ordinal)) return null;
            string name = fileKey.Replace("LayerNorm.gamma", "LayerNorm.weight", StringComparison.Ordinal)
                                 .Replace("LayerNorm.beta", "LayerNorm.bias", StringComparison.Ordinal);
            if (name.StartsWith("bert.", StringComparison.Ordinal) || name.StartsWith("classifier.", StringComparison.Ordinal)) return name;
            return "bert." + name;
        }

        public override bool MayBeMissing(string modelName) => allowNewHead
            && modelName.StartsWith("classifier.", StringComparison.Ordinal);
    }

    /// <summary>
    /// DistilBERT's names for the same network (distilbert.transformer.layer.0.attention.q_lin, ...). Its classification
    /// head is pre_classifier (our pooler's dense layer, with ReLU) then classifier; the masked-LM head of a base model
    /// (vocab_transform, vocab_layer_norm, vocab_projector) is not used.
    /// </summary>
    private sealed partial class DistilBertLayout(bool allowNewHead, bool dropFileHead = false) : WeightLayout
    {
        private static readonly (string File, string Model)[] Renames =
        [
            ("attention.q_lin.", "attention.self.query."),
            ("attention.k_lin.", "attention.self.key."),
            ("attention.v_lin.", "attention.self.value."),
            ("attention.out_lin.", "attention.output.dense."),
            ("sa_layer_norm.", "attention.output.LayerNorm."),
            ("ffn.lin1.", "intermediate.dense."),
            ("ffn.lin2.", "output.dense."),
            ("output_layer_norm.", "output.LayerNorm."),
        ];

        public override string? ToModelName(string fileKey)
        {
            if (fileKey.StartsWith("vocab_", StringComparison.Ordinal) || fileKey.EndsWith("position_ids", StringComparison.Ordinal)) return
                null;
            if (fileKey.StartsWith("classifier.", StringComparison.Ordinal)) return dropFileHead ? null : fileKey;
            if (fileKey.StartsWith("pre_classifier.", StringComparison.Ordinal)) return
                "bert.pooler.dense." + fileKey["pre_classifier.".Length..];
            // A bare DistilBertModel file has no "distilbert." prefix.
            string key = fileKey.StartsWith("distilbert.", StringComparison.Ordinal) ? fileKey["distilbert.".Length..] : fileKey;
            if (key.StartsWith("embeddings.", StringComparison.Ordinal)) return "bert." + key;
            var layer = FileLayer().Match(key);
            if (!layer.Success) return "distilbert." + key; // not ours: reported as an unexpected tensor under its own name
            string rest = layer.Groups[2].Value;
            foreach (var (file, model) in Renames)
                if (rest.StartsWith(file, StringComparison.Ordinal)) return
                    $"bert.encoder.layer.{layer.Groups[1].Value}.{model}{rest[file.Length..]}";
            return "distilbert." + key;
        }

        public override string ToFileName(string modelName)
        {
            if (modelName.StartsWith("classifier.", StringComparison.Ordinal)) return modelName;
            if (modelName.StartsWith("bert.pooler.dense.", StringComparison.Ordinal)) return
                "pre_classifier." + modelName["bert.pooler.dense.".Length..];
            if (modelName.StartsWith("bert.embeddings.", StringComparison.Ordinal)) return "distilbert." + modelName["bert.".Length..];
            var layer = ModelLayer().Match(modelName);
            if (layer.Success)
            {
                string rest = layer.Groups[2].Value;
                foreach (var (file, model) in Renames)
                    if (rest.StartsWith(model, StringComparison.Ordinal)) return
                        $"distilbert.transformer.layer.{layer.Groups[1].Value}.{file}{rest[model.Length..]}";
            }
            throw new ArgumentException($"'{modelName}' has no place in a DistilBERT checkpoint.");
        }

        public override bool MayBeMissing(string modelName) =>
            allowNewHead && (modelName.StartsWith("classifier.", StringComparison.Ordinal)
                || modelName.StartsWith("bert.pooler.", StringComparison.Ordinal));

        [GeneratedRegex(@"^transformer\.layer\.(\d+)\.(.+)$")]
        private static partial Regex FileLayer();

        [GeneratedRegex(@"^bert\.encoder\.layer\.(\d+)\.(.+)$")]
        private static partial Regex ModelLayer();
    }

    /// <summary>
    /// RoBERTa's and ELECTRA's names: BERT's under their own prefix ("roberta.", "electra.") instead of "bert.", and a
    /// classification head of their own, classifier.dense (our pooler's dense layer) then classifier.out_proj. Heads a
    /// sequence classifier does not use (RoBERTa's masked-LM head and base-model pooler; ELECTRA's discriminator and
    /// generator heads) are left out.
    /// </summary>
    private sealed class DenseHeadLayout(string prefix, string[] unusedKeys, bool allowNewHead, bool dropFileHead) : WeightLayout
    {
        public static DenseHeadLayout Roberta(bool allowNewHead, bool dropFileHead = false) =>
            new("roberta.", ["lm_head.", "pooler.", "roberta.pooler."], allowNewHead, dropFileHead);

        public static DenseHeadLayout Electra(bool allowNewHead, bool dropFileHead = false) =>
            new("electra.", ["discriminator_predictions.", "generator_predictions.", "generator_lm_head."], allowNewHead, dropFileHead);

        public override string? ToModelName(string fileKey)
        {
            if (fileKey.EndsWith("position_ids", StringComparison.Ordinal) || unusedKeys.Any(key =>
                fileKey.StartsWith(key, StringComparison.Ordinal))) return null;
            if (fileKey.StartsWith("classifier.dense.", StringComparison.Ordinal)) return
                "bert.pooler.dense." + fileKey["classifier.dense.".Length..];
            if (fileKey.StartsWith("classifier.out_proj.", StringComparison.Ordinal)) return dropFileHead ? null
                : "classifier." + fileKey["classifier.out_proj.".Length..];
            // A bare base-model file (RobertaModel, ElectraModel) has no prefix.
            return "bert." + (fileKey.StartsWith(prefix, StringComparison.Ordinal) ? fileKey[prefix.Length..] : fileKey);
        }

        public override string ToFileName(string modelName)
        {
            if (modelName.StartsWith("bert.pooler.dense.", StringComparison.Ordinal)) return
                "classifier.dense." + modelName["bert.pooler.dense.".Length..];
            if (modelName.StartsWith("classifier.", StringComparison.Ordinal)) return
                "classifier.out_proj." + modelName["classifier.".Length..];
            if (modelName.StartsWith("bert.", StringComparison.Ordinal)) return prefix + modelName["bert.".Length..];
            throw new ArgumentException($"'{modelName}' has no place in a '{prefix}' checkpoint.");
        }

        public override bool MayBeMissing(string modelName) =>
            allowNewHead && (modelName.StartsWith("classifier.", StringComparison.Ordinal)
                || modelName.StartsWith("bert.pooler.", StringComparison.Ordinal));
    }

    /// <summary>
    /// ALBERT's names: its one shared layer sits at albert.encoder.albert_layer_groups.0.albert_layers.0 (our
    /// bert.encoder.layer.0) with its own short names, and the projection from the narrow embeddings is
    /// albert.encoder.embedding_hidden_mapping_in. Its pre-training heads (predictions, sop_classifier) are left out.
    /// </summary>
    private sealed class AlbertLayout(bool allowNewHead, bool dropFileHead = false) : WeightLayout
    {
        private const string SharedLayer = "encoder.albert_layer_groups.0.albert_layers.0.";
        private const string Projection = "encoder.embedding_hidden_mapping_in.";

        private static readonly (string File, string Model)[] Renames =
        [
            ("attention.query.", "attention.self.query."),
            ("attention.key.", "attention.self.key."),
            ("attention.value.", "attention.self.value."),
            ("attention.dense.", "attention.output.dense."),
            ("attention.LayerNorm.", "attention.output.LayerNorm."),
            ("ffn_output.", "output.dense."),
            ("ffn.", "intermediate.dense."),
            ("full_layer_layer_norm.", "output.LayerNorm."),
        ];

        public override string? ToModelName(string fileKey)
        {
            if (fileKey.EndsWith("position_ids", StringComparison.Ordinal) || fileKey.StartsWith("predictions.", StringComparison.Ordinal)
                || fileKey.StartsWith("sop_classifier.", StringComparison.Ordinal)) return null;
            if (fileKey.StartsWith("classifier.", StringComparison.Ordinal)) return dropFileHead ? null : fileKey;
            // A bare AlbertModel file has no "albert." prefix.
            string key = fileKey.StartsWith("albert.", StringComparison.Ordinal) ? fileKey["albert.".Length..] : fileKey;
            if (key.StartsWith("embeddings.", StringComparison.Ordinal)) return "bert." + key;
            if (key.StartsWith(Projection, StringComparison.Ordinal)) return "bert.embeddings_project." + key[Projection.Length..];
            if (key.StartsWith("pooler.", StringComparison.Ordinal)) return "bert.pooler.dense." + key["pooler.".Length..];
            if (key.StartsWith(SharedLayer, StringComparison.Ordinal))
            {
                string rest = key[SharedLayer.Length..];
                foreach (var (file, model) in Renames)
                    if (rest.StartsWith(file, StringComparison.Ordinal)) return $"bert.encoder.layer.0.{model}{rest[file.Length..]}";
            }
            return "albert." + key; // not ours: reported as an unexpected tensor under its own name
        }

        public override string ToFileName(string modelName)
        {
            if (modelName.StartsWith("classifier.", StringComparison.Ordinal)) return modelName;
            if (modelName.StartsWith("bert.embeddings_project.", StringComparison.Ordinal)) return "albert." + Projection
                + modelName["bert.embeddings_project.".Length..];
            if (modelName.StartsWith("bert.pooler.dense.", StringComparison.Ordinal)) return
                "albert.pooler." + modelName["bert.pooler.dense.".Length..];
            if (modelName.StartsWith("bert.embeddings.", StringComparison.Ordinal)) return "albert." + modelName["bert.".Length..];
            const string layer = "bert.encoder.layer.0.";
            if (modelName.StartsWith(layer, StringComparison.Ordinal))
            {
                string rest = modelName[layer.Length..];
                foreach (var (file, model) in Renames)
                    if (rest.StartsWith(model, StringComparison.Ordinal)) return $"albert.{SharedLayer}{file}{rest[model.Length..]}";
            }
            throw new ArgumentException($"'{modelName}' has no place in an ALBERT checkpoint.");
        }

        public override bool MayBeMissing(string modelName) => allowNewHead
            && modelName.StartsWith("classifier.", StringComparison.Ordinal);
    }

    /// <summary>
    /// DeBERTa-v2's names: BERT's under "deberta." with query_proj, key_proj and value_proj for query, key and value,
    /// the relative-position table and its LayerNorm under deberta.encoder, and the pooler's dense layer at the top
    /// level (pooler.dense). The pre-training heads (lm_predictions, mask_predictions) are left out, and so is the
    /// absolute position table a v3 file carries but never reads (position_biased_input false).
    /// </summary>
    private sealed class DebertaV2Layout(BertConfig config, bool allowNewHead, bool dropFileHead = false) : WeightLayout
    {
        private static readonly (string File, string Model)[] Renames =
        [
            ("attention.self.query_proj.", "attention.self.query."),
            ("attention.self.key_proj.", "attention.self.key."),
            ("attention.self.value_proj.", "attention.self.value."),
        ];

        public override string? ToModelName(string fileKey)
        {
            if (fileKey.EndsWith("position_ids", StringComparison.Ordinal) || fileKey.StartsWith("lm_predictions.",
                StringComparison.Ordinal)
                || fileKey.StartsWith("mask_predictions.", StringComparison.Ordinal)) return null;
            if (fileKey.StartsWith("classifier.", StringComparison.Ordinal)) return dropFileHead ? null : fileKey;
            if (fileKey.StartsWith("pooler.", StringComparison.Ordinal)) return "bert." + fileKey;
            // A bare DebertaV2Model file has no "deberta." prefix.
            string key = fileKey.StartsWith("deberta.", StringComparison.Ordinal) ? fileKey["deberta.".Length..] : fileKey;
            if (!config.AbsolutePositions && key.StartsWith("embeddings.position_embeddings.", StringComparison.Ordinal)) return null;
            foreach (var (file, model) in Renames)
            {
                int at = key.IndexOf(file, StringComparison.Ordinal);
                if (at >= 0) return "bert." + key[..at] + model + key[(at + file.Length)..];
            }
            return "bert." + key;
        }

        public override string ToFileName(string modelName)
        {
            if (modelName.StartsWith("classifier.", StringComparison.Ordinal)) return modelName;
            if (modelName.StartsWith("bert.pooler.", StringComparison.Ordinal)) return modelName["bert.".Length..];
            if (!modelName.StartsWith("bert.",
                StringComparison.Ordinal)) throw new ArgumentException($"'{modelName}' has no place in a DeBERTa checkpoint.");
            string key = modelName["bert.".Length..];
            foreach (var (file, model) in Renames)
            {
                int at = key.IndexOf(model, StringComparison.Ordinal);
                if (at >= 0) return "deberta." + key[..at] + file + key[(at + model.Length)..];
            }
            return "deberta." + key;
        }

        public override bool MayBeMissing(string modelName) =>
            allowNewHead && (modelName.StartsWith("classifier.", StringComparison.Ordinal)
                || modelName.StartsWith("bert.pooler.", StringComparison.Ordinal));
    }
}
