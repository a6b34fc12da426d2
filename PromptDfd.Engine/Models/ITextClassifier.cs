using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Models;

/// <summary>What distillation needs from a teacher or student, whatever its architecture.</summary>
public interface ITextClassifier
{
    int Classes { get; }

    /// <summary>The longest token sequence it reads in one pass.</summary>
    int ContextLength { get; }

    /// <summary>The token embedding matrix, so soft inputs (AS-DFD) can be fed through <see cref="ClassifyEmbeddings"/>.</summary>
    Parameter TokenEmbedding { get; }

    /// <summary>Logits [batch, classes] for right-padded token ids [batch, time]; mask [batch, time] marks real tokens.</summary>
    Tensor Classify(Tensor tokens, Tensor? mask);

    /// <summary>Logits from input embeddings [batch, time, width] instead of token ids.</summary>
    Tensor ClassifyEmbeddings(Tensor embeddings, Tensor? mask);
}
