using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.HuggingFace;

public abstract partial class EncoderFamily
{
    /// <summary>DeBERTa-v2/v3: BERT whose attention adds disentangled relative-position terms (content-to-position and
    /// position-to-content, over log-spaced distance buckets), with GELU on its [CLS] dense layer; v3 has no absolute position
    /// embeddings.</summary>
    public static EncoderFamily DebertaV2 { get; } = new DebertaV2Family();

    private sealed class DebertaV2Family : EncoderFamily
    {
        private static readonly (string File, string Model)[] Renames =
        [
            ("attention.self.query_proj.", "attention.self.query."),
            ("attention.self.key_proj.", "attention.self.key."),
            ("attention.self.value_proj.", "attention.self.value."),
        ];

        public override string ModelType => "deberta-v2";
        public override string Name => "DeBERTa-v2";
        public override PoolerActivation PoolerActivation => PoolerActivation.Gelu;
        public override bool HasRelativeAttention => true;

        // The defaults are transformers' DebertaV2Config's. Variants that need weights or arithmetic this network does not have
        // (separate position projections, a convolution after the first layer, other widths) are refused by name.
        public override BertConfig ReadConfig(JsonObject json, string source)
        {
            int width = ConfigJson.Required(json, "hidden_size", source);
            int heads = ConfigJson.Required(json, "num_attention_heads", source);
            void Refuse(string key, string value, string supported) =>
                throw new InvalidDataException($"'{source}' sets {key} = {value}; only {supported} is supported for DeBERTa.");
            if (json["relative_attention"]?.GetValue<bool>() != true) Refuse("relative_attention",
                json["relative_attention"]?.ToJsonString() ?? "false (its default)", "relative attention (true), as every released " +
                "DeBERTa-v2/v3 has");
            if (json["share_att_key"]?.GetValue<bool>() != true) Refuse("share_att_key", json["share_att_key"]?.ToJsonString()
                ?? "false (its default)", "position projections shared with the content ones (true)");
            if ((json["conv_kernel_size"]?.GetValue<int>() ?? 0) > 0) Refuse("conv_kernel_size",
                json["conv_kernel_size"]!.ToJsonString(), "no convolution layer (0, as in v3)");
            foreach (string key in new[] { "embedding_size", "pooler_hidden_size" })
                if (json[key] is { } value && value.GetValue<int>() != width) Refuse(key, value.ToJsonString(),
                    $"the hidden size ({width})");
            if (json["attention_head_size"] is { } headSize && headSize.GetValue<int>() * heads != width) Refuse("attention_head_size",
                headSize.ToJsonString(), $"hidden_size / num_attention_heads ({width / Math.Max(heads, 1)})");
            EncoderConfigJson.RequireGelu(json["pooler_hidden_act"]?.GetValue<string>(), "pooler_hidden_act", source);
            var attentionTypes = (json["pos_att_type"] switch
            {
                JsonArray list => list.Select(item => item?.GetValue<string>() ?? ""),
                JsonValue text => text.GetValue<string>().Split('|'),
                _ => [],
            }).Select(type => type.Trim().ToLowerInvariant()).Where(type => type.Length > 0).ToList();
            string? unknown = attentionTypes.FirstOrDefault(type => type is not ("c2p" or "p2c"));
            if (unknown is not null) Refuse("pos_att_type", $"'{unknown}'", "c2p and p2c");
            string normalisation = json["norm_rel_ebd"]?.GetValue<string>() ?? "none";
            BertConfig config = EncoderConfigJson.ReadBertFields(this, json, source, defaultEpsilon: 1e-7) with
            {
                TypeVocabularySize = json["type_vocab_size"]?.GetValue<int>() ?? 0,
                AbsolutePositions = json["position_biased_input"]?.GetValue<bool>() ?? true,
                PositionBuckets = Math.Max(0, json["position_buckets"]?.GetValue<int>() ?? -1),
                ContentToPosition = attentionTypes.Contains("c2p"),
                PositionToContent = attentionTypes.Contains("p2c"),
                NormalizesRelativeEmbeddings = normalisation.Split('|').Any(part => part.Trim() == "layer_norm"),
            };
            int maxRelative = json["max_relative_positions"]?.GetValue<int>() ?? -1;
            return config with { MaxRelativePositions = maxRelative < 1 ? config.MaxPositions : maxRelative };
        }

        public override JsonObject WriteConfig(BertConfig config)
        {
            JsonObject json = EncoderConfigJson.WriteBertFields(config, "DebertaV2ForSequenceClassification", ModelType);
            json["relative_attention"] = true;
            json["max_relative_positions"] = config.MaxRelativePositions;
            json["position_buckets"] = config.PositionBuckets > 0 ? config.PositionBuckets : -1;
            json["pos_att_type"] = new JsonArray([.. new[] { ("p2c", config.PositionToContent), ("c2p", config.ContentToPosition) }
                .Where(type => type.Item2).Select(type => (JsonNode)type.Item1)]);
            json["share_att_key"] = true;
            json["norm_rel_ebd"] = config.NormalizesRelativeEmbeddings ? "layer_norm" : "none";
            json["position_biased_input"] = config.AbsolutePositions;
            json["pooler_hidden_size"] = config.Width;
            json["pooler_hidden_act"] = "gelu";
            json["pooler_dropout"] = 0;
            return json;
        }

        public override WeightLayout Layout(BertConfig config, bool allowNewHead, bool dropFileHead) =>
            new DebertaV2Layout(config, allowNewHead, dropFileHead);

        /// <summary>
        /// DeBERTa-v2's names: BERT's under "deberta." with query_proj, key_proj and value_proj for query, key and value, the
        /// relative-position table and its LayerNorm under deberta.encoder, and the pooler's dense layer at the top level
        /// (pooler.dense). The pre-training heads (lm_predictions, mask_predictions) are left out, and so is the absolute
        /// position table a v3 file carries but never reads (position_biased_input false).
        /// </summary>
        private sealed class DebertaV2Layout(BertConfig config, bool allowNewHead, bool dropFileHead) : WeightLayout
        {
            public override string? ToModelName(string fileKey)
            {
                if (fileKey.EndsWith("position_ids", StringComparison.Ordinal)
                    || fileKey.StartsWith("lm_predictions.", StringComparison.Ordinal)
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
                if (!modelName.StartsWith("bert.", StringComparison.Ordinal))
                    throw new ArgumentException($"'{modelName}' has no place in a DeBERTa checkpoint.");
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
}
