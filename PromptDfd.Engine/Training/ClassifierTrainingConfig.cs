using System.Text.Json.Serialization;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;

namespace PromptDfd.Engine.Training;

/// <summary>Supervised fine-tuning of a classifier (the teachers, and the data-driven KD upper bound's reference).</summary>
public sealed record ClassifierTrainingConfig
{
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 2e-4;
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupFraction { get; init; } = 0.06;
    public double Dropout { get; init; } = 0.1;
    public int MaximumLength { get; init; } = 128;
    public long Seed { get; init; } = 1234;

    /// <summary>How a teacher built on the prior's body summarises a text (a student's pooling is its own).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<ClassifierPooling>))]
    public ClassifierPooling Pooling { get; init; } = ClassifierPooling.LastToken;

    /// <summary>Weight of an auxiliary next-token loss on the training texts (GPT-1's fine-tuning recipe), which keeps
    /// a GPT body a language model while it learns the task; 0 trains on the classification loss alone.</summary>
    public double LanguageModelWeight { get; init; }

    /// <summary>Keeps the token embeddings as the prior learned them: a small training split updates only the rows of
    /// the words it contains, which pulls them away from the unseen words they were near.</summary>
    public bool FreezeTokenEmbeddings { get; init; }

    /// <summary>Layer-wise learning-rate decay: each layer below the head takes this fraction of the rate of the one above
    /// it, the embeddings the smallest (see <see cref="LayerwiseLearningRates"/>); 1 = every parameter at the same rate.</summary>
    public double LayerDecay { get; init; } = 1;

    /// <summary>A training text longer than the context contributes a window at a random start each epoch rather than
    /// always its opening, so long texts teach all of their words.</summary>
    public bool RandomWindows { get; init; }

    /// <summary>A training text longer than the context is read through all the windows that cover it and its loss is taken
    /// on their mean class probabilities: the teacher is trained the way it is read at inference, on all of every text.</summary>
    public bool WholeTexts { get; init; }

    /// <summary>From this epoch on, the weights at the end of each epoch are averaged and the average is the result, not the
    /// best dev epoch (0 = off). Averaging the last epochs of a fine-tuning run smooths out where its last steps happened to
    /// land (stochastic weight averaging, Izmailov et al., 2018).</summary>
    public int AverageFromEpoch { get; init; }

    /// <summary>Fine-tuning runs with seeds Seed, Seed+1, …; the one with the best dev accuracy is kept. Small
    /// training sets make a fine-tuned classifier's quality swing with its head initialisation and data order
    /// (Dodge et al., 2020), and the dev split is what decides between them.</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>The body starts from random weights instead of the prior's; the prior still gives the architecture and the
    /// tokenizer. An ablation: the gap to the same recipe fine-tuned from the prior is what pre-training contributes.</summary>
    public bool FromScratch { get; init; }

    public void Validate()
    {
        var problems = new List<string>();
        if (Epochs < 1) problems.Add($"Epochs must be at least 1 (got {Epochs})");
        if (BatchSize < 1) problems.Add($"BatchSize must be at least 1 (got {BatchSize})");
        if (LearningRate <= 0) problems.Add($"LearningRate must be positive (got {LearningRate})");
        if (WarmupFraction is < 0 or >= 1) problems.Add($"WarmupFraction must be in [0, 1) (got {WarmupFraction})");
        if (Dropout is < 0 or >= 1) problems.Add($"Dropout must be in [0, 1) (got {Dropout})");
        if (LanguageModelWeight < 0) problems.Add($"LanguageModelWeight must be 0 or more (got {LanguageModelWeight})");
        if (!(LayerDecay > 0
            && LayerDecay <= 1)) problems.Add($"LayerDecay must be in (0, 1], 1 meaning every layer at the same rate (got {LayerDecay})");
        if (Restarts is < 1 or > 20) problems.Add($"Restarts must be between 1 and 20 (got {Restarts})");
        if (WholeTexts && RandomWindows) problems.Add("WholeTexts and RandomWindows are two ways to read long training texts; choose one");
        if (WholeTexts && LanguageModelWeight > 0) problems.Add("WholeTexts does not combine with an auxiliary language-modelling loss; " +
            "set LanguageModelWeight to 0");
        if (AverageFromEpoch < 0
            || AverageFromEpoch > Math.Max(Epochs,
                0)) problems.Add($"AverageFromEpoch must be 0 (off) or an epoch from 1 to Epochs = {Epochs} (got {AverageFromEpoch})");
        if (MaximumLength < 2) problems.Add($"MaximumLength must be at least 2 (got {MaximumLength})");
        ConfigProblems.ThrowIfAny("classifier training", problems);
    }
}
