namespace PromptDfd.Engine.Models.HuggingFace;

public abstract partial class EncoderFamily
{
    /// <summary>XLM-RoBERTa: RoBERTa's network and names with a multilingual SentencePiece tokenizer.</summary>
    public static EncoderFamily XlmRoberta { get; } = new XlmRobertaFamily();

    private sealed class XlmRobertaFamily : RobertaFamily
    {
        public override string ModelType => "xlm-roberta";
        public override string Name => "XLM-RoBERTa";
        protected override string Architecture => "XLMRobertaForSequenceClassification";
    }
}
