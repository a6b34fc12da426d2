using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Models.HuggingFace;

/// <summary>
/// How a model's parameter names and shapes relate to a Hugging Face checkpoint: which file keys to ignore,
/// how to normalise a file key to our name, and which weights Hugging Face stores transposed. GPT-2's is here, the layout of
/// our own decoders; each encoder family's is in its file in <c>Models/HuggingFace/</c>.
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
    public static WeightLayout Encoder(BertConfig config, bool allowNewHead) =>
        config.Family.Layout(config, allowNewHead, dropFileHead: false);

    /// <summary>A BERT-family encoder's body only: any head in the file (pre-training or another task's) is left out, the classifier keeps
    /// its fresh head.</summary>
    public static WeightLayout EncoderBody(BertConfig config) => config.Family.Layout(config, allowNewHead: true, dropFileHead: true);

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
}
