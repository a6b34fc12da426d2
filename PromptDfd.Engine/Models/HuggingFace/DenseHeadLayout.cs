namespace PromptDfd.Engine.Models.HuggingFace;

/// <summary>
/// The names RoBERTa, XLM-RoBERTa and ELECTRA share: BERT's under their own prefix ("roberta.", "electra.") instead of
/// "bert.", and a classification head of their own, classifier.dense (our pooler's dense layer) then classifier.out_proj.
/// Heads a sequence classifier does not use are named by each family and left out.
/// </summary>
internal sealed class DenseHeadLayout(string prefix, string[] unusedKeys, bool allowNewHead, bool dropFileHead) : WeightLayout
{
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
