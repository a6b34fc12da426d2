using System.CommandLine;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;

namespace PromptDfd.Cli.Arguments;

/// <summary>The fine-tuning recipe of a teacher, shared by train-teacher and cross-validate-teacher so a recipe is written the
/// same way in both; defaults are <see cref="ClassifierTrainingConfig"/>'s.</summary>
public sealed class TeacherRecipeOptions
{
    private static readonly ClassifierTrainingConfig Defaults = new();

    private readonly Option<int> epochs = CliOptions.Whole("--epochs", "passes over the training split", Defaults.Epochs, minimum: 1);
    private readonly Option<int> batch = CliOptions.Whole("--batch", "texts per step", Defaults.BatchSize, minimum: 1);
    private readonly Option<double> learningRate = CliOptions.Number("--lr", "peak learning rate", Defaults.LearningRate);
    private readonly Option<int> maximumLength = CliOptions.Whole("--max-length", "tokens per text window", Defaults.MaximumLength,
        minimum: 2);
    private readonly Option<long> seed = CliOptions.Long("--seed", "the seed of the first fine-tuning run", Defaults.Seed);
    private readonly Option<double> weightDecay = CliOptions.Number("--weight-decay", "AdamW weight decay", Defaults.WeightDecay);
    private readonly Option<double> dropout = CliOptions.Number("--dropout", "dropout while fine-tuning", Defaults.Dropout);
    private readonly Option<double> languageModelWeight = CliOptions.Number("--lm-weight", "weight of an auxiliary next-token loss " +
        "that keeps a GPT body a language model; 0 for the classification loss alone", Defaults.LanguageModelWeight);
    private readonly Option<string> pooling = CliOptions.Choice("--pooling", "how a teacher on the prior's body reads a text: its last " +
        "token or the mean of all", Defaults.Pooling.Name(), "last", "mean");
    private readonly Option<bool> freezeEmbeddings = CliOptions.Switch("--freeze-embeddings", "keep the token embeddings as the prior " +
        "learned them");
    private readonly Option<double> layerDecay = CliOptions.Number("--layer-decay", "layer-wise learning-rate decay: each layer below " +
        "the head takes this fraction of the rate above it; 1 for one rate", Defaults.LayerDecay);
    private readonly Option<bool> randomWindows = CliOptions.Switch("--random-windows", "a long training text gives a window at a " +
        "random start each epoch rather than its opening");
    private readonly Option<bool> wholeTexts = CliOptions.Switch("--whole-texts", "train on all windows of a long text, as it is read " +
        "at inference");
    private readonly Option<int> averageFromEpoch = CliOptions.Whole("--average-from-epoch", "average the weights of the epochs from " +
        "this one on; 0 keeps the best dev epoch", 0, minimum: 0);
    private readonly Option<int> restarts = CliOptions.Whole("--restarts", "fine-tuning runs with seeds seed, seed+1, ...; the best on " +
        "dev is kept", Defaults.Restarts, minimum: 1);
    private readonly Option<bool> fromScratch = CliOptions.Switch("--from-scratch", "an ablation: start the body from random weights " +
        "instead of the prior's");

    public IEnumerable<Option> All => [epochs, batch, learningRate, maximumLength, seed, weightDecay, dropout, languageModelWeight,
        pooling, freezeEmbeddings, layerDecay, randomWindows, wholeTexts, averageFromEpoch, restarts, fromScratch];

    public ClassifierTrainingConfig Read(ParseResult parsed) => new()
    {
        Epochs = parsed.GetValue(epochs),
        BatchSize = parsed.GetValue(batch),
        LearningRate = parsed.GetValue(learningRate),
        MaximumLength = parsed.GetValue(maximumLength),
        Seed = parsed.GetValue(seed),
        WeightDecay = parsed.GetValue(weightDecay),
        Dropout = parsed.GetValue(dropout),
        LanguageModelWeight = parsed.GetValue(languageModelWeight),
        Pooling = ClassifierPoolingNames.Parse(parsed.GetValue(pooling)!, "--pooling"),
        FreezeTokenEmbeddings = parsed.GetValue(freezeEmbeddings),
        LayerDecay = parsed.GetValue(layerDecay),
        RandomWindows = parsed.GetValue(randomWindows),
        WholeTexts = parsed.GetValue(wholeTexts),
        AverageFromEpoch = parsed.GetValue(averageFromEpoch),
        Restarts = parsed.GetValue(restarts),
        FromScratch = parsed.GetValue(fromScratch),
    };
}
