using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Models.HuggingFace;

public abstract partial class EncoderFamily
{
    /// <summary>DistilBERT: BERT without token types, with ReLU on its [CLS] dense layer and names of its own.</summary>
    public static EncoderFamily DistilBert { get; } = new DistilBertFamily();

    private sealed partial class DistilBertFamily : EncoderFamily
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

        public override string ModelType => "distilbert";
        public override string Name => "DistilBERT";
        public override PoolerActivation PoolerActivation => PoolerActivation.Relu;
        public override bool HasTokenTypes => false;

        // DistilBERT's LayerNorms use BERT's epsilon, fixed in its code rather than its config.
        public override BertConfig ReadConfig(JsonObject json, string source)
        {
            EncoderConfigJson.RequireGelu(json["activation"]?.GetValue<string>(), "activation", source);
            return new BertConfig
            {
                Family = this,
                VocabularySize = ConfigJson.Required(json, "vocab_size", source),
                MaxPositions = ConfigJson.Required(json, "max_position_embeddings", source),
                TypeVocabularySize = 0,
                Layers = ConfigJson.Required(json, "n_layers", source),
                Heads = ConfigJson.Required(json, "n_heads", source),
                Width = ConfigJson.Required(json, "dim", source),
                IntermediateWidth = ConfigJson.Required(json, "hidden_dim", source),
                Dropout = json["dropout"]?.GetValue<double>() ?? 0.1,
                PaddingId = json["pad_token_id"]?.GetValue<int>() ?? 0,
            };
        }

        public override JsonObject WriteConfig(BertConfig config) => new()
        {
            ["architectures"] = new JsonArray("DistilBertForSequenceClassification"),
            ["model_type"] = ModelType,
            ["vocab_size"] = config.VocabularySize,
            ["max_position_embeddings"] = config.MaxPositions,
            ["sinusoidal_pos_embds"] = false,
            ["n_layers"] = config.Layers,
            ["n_heads"] = config.Heads,
            ["dim"] = config.Width,
            ["hidden_dim"] = config.IntermediateWidth,
            ["activation"] = "gelu",
            ["dropout"] = config.Dropout,
            ["attention_dropout"] = config.Dropout,
            ["seq_classif_dropout"] = config.Dropout,
            ["pad_token_id"] = config.PaddingId,
        };

        public override WeightLayout Layout(BertConfig config, bool allowNewHead, bool dropFileHead) =>
            new DistilBertLayout(allowNewHead, dropFileHead);

        /// <summary>
        /// DistilBERT's names for BERT's network (distilbert.transformer.layer.0.attention.q_lin, ...). Its classification
        /// head is pre_classifier (our pooler's dense layer) then classifier; the masked-LM head of a base model
        /// (vocab_transform, vocab_layer_norm, vocab_projector) is not used.
        /// </summary>
        private sealed class DistilBertLayout(bool allowNewHead, bool dropFileHead) : WeightLayout
        {
            public override string? ToModelName(string fileKey)
            {
                if (fileKey.StartsWith("vocab_", StringComparison.Ordinal) || fileKey.EndsWith("position_ids", StringComparison.Ordinal))
                    return null;
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
        }

        [GeneratedRegex(@"^transformer\.layer\.(\d+)\.(.+)$")]
        private static partial Regex FileLayer();

        [GeneratedRegex(@"^bert\.encoder\.layer\.(\d+)\.(.+)$")]
        private static partial Regex ModelLayer();
    }
}
