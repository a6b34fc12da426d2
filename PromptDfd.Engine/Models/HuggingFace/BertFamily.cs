using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.HuggingFace;

public abstract partial class EncoderFamily
{
    /// <summary>BERT, and MiniLM and the other models published in its layout; also the layout of our own encoder teachers.</summary>
    public static EncoderFamily Bert { get; } = new BertFamily();

    private sealed class BertFamily : EncoderFamily
    {
        public override string ModelType => "bert";
        public override string Name => "BERT";

        public override BertConfig ReadConfig(JsonObject json, string source) => EncoderConfigJson.ReadBertFields(this, json, source);

        public override JsonObject WriteConfig(BertConfig config) =>
            EncoderConfigJson.WriteBertFields(config, "BertForSequenceClassification", ModelType);

        public override WeightLayout Layout(BertConfig config, bool allowNewHead, bool dropFileHead) =>
            new BertLayout(allowNewHead, dropFileHead);
    }

    // Older files name LayerNorm parameters gamma and beta; "cls." is the pre-training head.
    private sealed class BertLayout(bool allowNewHead, bool dropFileHead) : WeightLayout
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
}
