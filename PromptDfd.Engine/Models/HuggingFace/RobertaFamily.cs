using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.HuggingFace;

public abstract partial class EncoderFamily
{
    /// <summary>RoBERTa: BERT whose positions start after its padding id, with a byte-level BPE tokenizer.</summary>
    public static EncoderFamily Roberta { get; } = new RobertaFamily();

    private class RobertaFamily : EncoderFamily
    {
        public override string ModelType => "roberta";
        public override string Name => "RoBERTa";
        public override string ClassToken => "<s>";
        public override bool NumbersPositionsAfterPadding => true;
        protected virtual string Architecture => "RobertaForSequenceClassification";

        // RoBERTa's defaults differ from BERT's where its config.json may leave them out.
        public override BertConfig ReadConfig(JsonObject json, string source) =>
            EncoderConfigJson.ReadBertFields(this, json, source, defaultPadding: 1, defaultEpsilon: 1e-5);

        public override JsonObject WriteConfig(BertConfig config) => EncoderConfigJson.WriteBertFields(config, Architecture, ModelType);

        // The masked-LM head and a base model's pooler are not a sequence classifier's.
        public override WeightLayout Layout(BertConfig config, bool allowNewHead, bool dropFileHead) =>
            new DenseHeadLayout("roberta.", ["lm_head.", "pooler.", "roberta.pooler."], allowNewHead, dropFileHead);
    }
}
