using System.Reflection;
using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Models.HuggingFace;

/// <summary>What squashes the [CLS] token's dense layer before the classification head.</summary>
public enum PoolerActivation { Tanh, Relu, Gelu }

/// <summary>
/// One Hugging Face encoder architecture: how its config.json maps to <see cref="BertConfig"/>, how its weight names map to
/// ours, and where its network differs from BERT's. Each family is one file in this folder that declares its instance as a
/// static property of this partial class; <see cref="All"/> finds them there, so adding or dropping a family touches one file.
/// </summary>
public abstract partial class EncoderFamily
{
    private static readonly Lazy<IReadOnlyList<EncoderFamily>> Declared = new(() =>
    [
        .. typeof(EncoderFamily).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(property => property.PropertyType == typeof(EncoderFamily))
            .Select(property => (EncoderFamily)property.GetValue(null)!)
            .OrderBy(family => family.ModelType, StringComparer.Ordinal),
    ]);

    /// <summary>Every family this build reads, in the order of their model_type.</summary>
    public static IReadOnlyList<EncoderFamily> All => Declared.Value;

    /// <summary>The family whose config.json says this model_type, or null when none does.</summary>
    public static EncoderFamily? ForModelType(string modelType) => All.FirstOrDefault(family => family.ModelType == modelType);

    /// <summary>config.json's model_type ("bert", "roberta", ...).</summary>
    public abstract string ModelType { get; }

    /// <summary>The name people write ("BERT", "RoBERTa").</summary>
    public abstract string Name { get; }

    /// <summary>The token whose final state the classifier reads, as the family's tokenizer spells it.</summary>
    public virtual string ClassToken => "[CLS]";

    public virtual PoolerActivation PoolerActivation => PoolerActivation.Tanh;

    /// <summary>False for a family that never has token-type embeddings (DistilBERT).</summary>
    public virtual bool HasTokenTypes => true;

    /// <summary>RoBERTa numbers positions from its padding id + 1, so the first rows of its position table are never read.</summary>
    public virtual bool NumbersPositionsAfterPadding => false;

    /// <summary>Whether token embeddings may be narrower than the layers, projected up before the first one.</summary>
    public virtual bool MayHaveNarrowEmbeddings => false;

    /// <summary>ALBERT runs one layer's weights as every layer.</summary>
    public virtual bool SharesLayers => false;

    /// <summary>DeBERTa's disentangled relative-position attention.</summary>
    public virtual bool HasRelativeAttention => false;

    /// <summary>The shape a config.json of this family describes, not yet validated.</summary>
    public abstract BertConfig ReadConfig(JsonObject json, string source);

    /// <summary>The config.json transformers would write for a sequence classifier of this shape.</summary>
    public abstract JsonObject WriteConfig(BertConfig config);

    /// <summary>How this family's files name our parameters.</summary>
    /// <param name="allowNewHead">a file without a classification head loads, the head staying fresh</param>
    /// <param name="dropFileHead">a head in the file (pre-training or another task's) is left out</param>
    public abstract WeightLayout Layout(BertConfig config, bool allowNewHead, bool dropFileHead);

    public override string ToString() => Name;
}
