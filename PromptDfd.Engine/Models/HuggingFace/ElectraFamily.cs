using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.HuggingFace;

public abstract partial class EncoderFamily
{
    /// <summary>ELECTRA: BERT whose token embeddings may be narrower than its layers, with GELU on its [CLS] dense layer.</summary>
    public static EncoderFamily Electra { get; } = new ElectraFamily();

    private sealed class ElectraFamily : EncoderFamily
    {
        public override string ModelType => "electra";
        public override string Name => "ELECTRA";
        public override PoolerActivation PoolerActivation => PoolerActivation.Gelu;
        public override bool MayHaveNarrowEmbeddings => true;

        public override BertConfig ReadConfig(JsonObject json, string source)
        {
            BertConfig config = EncoderConfigJson.ReadBertFields(this, json, source);
            return config with { EmbeddingWidth = EncoderConfigJson.ReadEmbeddingWidth(json, config.Width) };
        }

        public override JsonObject WriteConfig(BertConfig config)
        {
            JsonObject json = EncoderConfigJson.WriteBertFields(config, "ElectraForSequenceClassification", ModelType);
            json["embedding_size"] = config.TokenWidth;
            return json;
        }

        // The discriminator's and generator's pre-training heads are not a sequence classifier's.
        public override WeightLayout Layout(BertConfig config, bool allowNewHead, bool dropFileHead) =>
            new DenseHeadLayout("electra.", ["discriminator_predictions.", "generator_predictions.", "generator_lm_head."], allowNewHead,
                dropFileHead);
    }
}
