using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.HuggingFace;

public abstract partial class EncoderFamily
{
    /// <summary>ALBERT: BERT with ELECTRA's narrow embeddings and one layer whose weights every layer shares, usually with GPT-2's
    /// tanh GELU.</summary>
    public static EncoderFamily Albert { get; } = new AlbertFamily();

    private sealed class AlbertFamily : EncoderFamily
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

        public override string ModelType => "albert";
        public override string Name => "ALBERT";
        public override bool MayHaveNarrowEmbeddings => true;
        public override bool SharesLayers => true;

        // Every released ALBERT has one group of one layer; more would need weights this network does not have.
        public override BertConfig ReadConfig(JsonObject json, string source)
        {
            foreach (string key in new[] { "num_hidden_groups", "inner_group_num" })
            {
                int value = json[key]?.GetValue<int>() ?? 1;
                if (value != 1) throw new InvalidDataException($"'{source}' sets {key} = {value}; only ALBERT's one shared layer ({key} = " +
                    $"1) is supported.");
            }
            BertConfig config = EncoderConfigJson.ReadBertFields(this, json, source, tanhGeluAllowed: true);
            return config with { EmbeddingWidth = EncoderConfigJson.ReadEmbeddingWidth(json, config.Width) };
        }

        public override JsonObject WriteConfig(BertConfig config)
        {
            JsonObject json = EncoderConfigJson.WriteBertFields(config, "AlbertForSequenceClassification", ModelType);
            json["embedding_size"] = config.TokenWidth;
            json["num_hidden_groups"] = 1;
            json["inner_group_num"] = 1;
            json["classifier_dropout_prob"] = config.Dropout;
            return json;
        }

        public override WeightLayout Layout(BertConfig config, bool allowNewHead, bool dropFileHead) =>
            new AlbertLayout(allowNewHead, dropFileHead);

        /// <summary>
        /// ALBERT's names: its one shared layer sits at albert.encoder.albert_layer_groups.0.albert_layers.0 (our
        /// bert.encoder.layer.0) with its own short names, and the projection from the narrow embeddings is
        /// albert.encoder.embedding_hidden_mapping_in. Its pre-training heads (predictions, sop_classifier) are left out.
        /// </summary>
        private sealed class AlbertLayout(bool allowNewHead, bool dropFileHead) : WeightLayout
        {
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
    }
}
