using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class ClassifierTrainerTests(TinyTokenizerFolder files) : IClassFixture<TinyTokenizerFolder>
{
    private readonly ITextTokenizer tokenizer = files.Tokenizer;

    private static readonly List<(string Text, int Label)> Train =
    [
        ("The movie was wonderful.", 1), ("The actors were great.", 1), ("Wonderful actors, great movie.", 1), ("A great ship.", 1),
        ("The food was terrible.", 0), ("The service was slow.", 0), ("Terrible and slow service.", 0), ("A terrible morning.", 0),
    ];

    private static readonly List<(string Text, int Label)> Dev = [("Great and wonderful.", 1), ("Slow and terrible.", 0)];

    private (GptClassifier Model, ClassifierTrainer Trainer) Fit(ClassifierTrainingConfig config, int repeats = 1)
    {
        manual_seed(3);
        var model = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 2);
        var trainer = new ClassifierTrainer(config, new TextBatcher(tokenizer, 32), _ => { });
        trainer.Train(model, Enumerable.Repeat(Train, repeats).SelectMany(t => t).ToList(), Dev, 2);
        return (model, trainer);
    }

    private double NextTokenLoss(GptClassifier model)
    {
        var batcher = new TextBatcher(tokenizer, 32);
        var (ids, mask) = batcher.Pad(Train.Select(e => batcher.Encode(e.Text)).ToList(), CPU);
        using var noGrad = no_grad();
        var (_, next) = model.ClassifyAndPredictNext(ids, mask);
        long time = ids.shape[1];
        Tensor targets = ids.narrow(1, 1, time - 1).masked_fill(mask.narrow(1, 1, time - 1).logical_not(), -100L);
        return nn.functional.cross_entropy(next.narrow(1, 0, time - 1).reshape(-1, next.shape[2]), targets.reshape(-1),
            ignore_index: -100).item<float>();
    }

    [Fact]
    public void FineTuningSeparatesTheClassesAndKeepsTheBestDevEpoch()
    {
        var (model, trainer) = Fit(new ClassifierTrainingConfig { Epochs = 12, BatchSize = 4, LearningRate = 3e-3, Dropout = 0 });
        Assert.Equal(1.0, trainer.BestDev!.Accuracy);
        Assert.InRange(trainer.BestEpoch, 1, 12);
        var predictions = ClassifierInference.Predict(model, new TextBatcher(tokenizer, 32), Train.Select(e => e.Text).ToList());
        Assert.True(predictions.Zip(Train).Count(p => p.First == p.Second.Label) >= 7, "the training texts are learned");
    }

    [Fact]
    public void AveragingFromAnEpochLeavesTheMeanOfThoseEpochsWeights()
    {
        manual_seed(3);
        var model = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 2);
        var atEpochEnd = new List<Dictionary<string, Tensor>>();
        var reports = new List<ClassifierProgress>();
        var trainer = new ClassifierTrainer(new ClassifierTrainingConfig
        {
            Epochs = 4,
            BatchSize = 4,
            LearningRate = 3e-3,
            Dropout = 0,
            AverageFromEpoch = 2
        },
            new TextBatcher(tokenizer, 32), progress =>
            {
                reports.Add(progress);
                if (progress.Dev is not null && !progress.Averaged)
                    atEpochEnd.Add(model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone()));
            });
        trainer.Train(model, Train, Dev, 2);

        Assert.Equal(4, atEpochEnd.Count);
        string name = atEpochEnd[0].Keys.First(k => k.Contains("head", StringComparison.Ordinal)
            || k.Contains("weight", StringComparison.Ordinal));
        foreach (var (key, final) in model.state_dict())
        {
            if (!final.is_floating_point()) continue;
            using Tensor expected = (atEpochEnd[1][key] + atEpochEnd[2][key] + atEpochEnd[3][key]) / 3;
            Assert.True(final.allclose(expected, rtol: 1e-4, atol: 1e-6), key);
        }
        Assert.False(atEpochEnd[1][name].allclose(atEpochEnd[3][name]), "the epochs averaged must differ, or the test shows nothing");
        // The averaged weights are scored on dev and reported as such; that score is the result, not the best epoch's.
        var last = reports[^1];
        Assert.True(last.Averaged);
        Assert.Equal(last.Dev, trainer.BestDev);
        Assert.Throws<ArgumentException>(() => new ClassifierTrainingConfig { Epochs = 3, AverageFromEpoch = 4 }.Validate());
    }

    [Fact]
    public void FineTuningThatDivergesStopsWithTheLearningRateToLower()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Fit(new ClassifierTrainingConfig
        {
            Epochs = 3,
            BatchSize = 4,
            LearningRate = 1e30,
            Dropout = 0
        }));
        Assert.Contains("fine-tuning diverged. Lower the learning rate (now 1E+30)", error.Message);
    }

    [Fact]
    public void ABadEpochCountIsReportedAloneWhenAveragingIsOff()
    {
        string message = Assert.Throws<ArgumentException>(() => new ClassifierTrainingConfig { Epochs = -1 }.Validate()).Message;
        Assert.Contains("Epochs must be at least 1 (got -1)", message);
        Assert.DoesNotContain("AverageFromEpoch", message);
    }

    [Fact]
    public void AuxiliaryLanguageModelLossTeachesTheBodyItsTrainingTexts()
    {
        // One long epoch, so the weights compared are the last ones (not an early best-dev epoch).
        var config = new ClassifierTrainingConfig { Epochs = 1, BatchSize = 4, LearningRate = 1e-2, Dropout = 0 };
        double without = NextTokenLoss(Fit(config, repeats: 20).Model);
        double with = NextTokenLoss(Fit(config with { LanguageModelWeight = 1.0 }, repeats: 20).Model);
        Assert.True(with < without - 0.5, $"next-token loss with the auxiliary objective {with:F2} should be well below {without:F2}");
    }

    [Fact]
    public void FrozenTokenEmbeddingsStayAsThePriorLearnedThemWhileTheRestTrains()
    {
        manual_seed(3);
        var model = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 2);
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        var trainer = new ClassifierTrainer(new ClassifierTrainingConfig
        {
            Epochs = 2,
            BatchSize = 4,
            LearningRate = 3e-3,
            Dropout = 0,
            FreezeTokenEmbeddings = true
        },
            new TextBatcher(tokenizer, 32), _ => { });
        trainer.Train(model, Train, Dev, 2);
        var after = model.state_dict();
        const string embedding = "transformer.wte.weight"; // Hugging Face GPT-2 naming
        Assert.True(before[embedding].eq(after[embedding]).all().item<bool>(), "the token embeddings are untouched");
        Assert.Contains(after, p => p.Key != embedding && !before[p.Key].eq(p.Value).all().item<bool>());
        Assert.True(model.TokenEmbedding.requires_grad, "the model is left trainable for whoever uses it next");
    }

    [Fact]
    public void LayerwiseDecayMovesTheLowerLayersLessWhileTheHeadKeepsTheFullRate()
    {
        // Fit starts every model from the same seed, so one copy of the starting weights serves both runs.
        manual_seed(3);
        var before = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 2).state_dict().ToDictionary(p => p.Key, p =>
            p.Value.detach().clone());
        double Moved(GptClassifier model, string name) => (model.state_dict()[name] - before[name]).abs().max().item<float>();
        var config = new ClassifierTrainingConfig { Epochs = 2, BatchSize = 4, LearningRate = 3e-3, Dropout = 0, WeightDecay = 0 };
        const string embedding = "transformer.wte.weight", lowerLayer = "transformer.h.0.attn.c_attn.weight", head = "score.weight";

        var (flat, _) = Fit(config with { LayerDecay = 1 });
        var (decayed, _) = Fit(config with { LayerDecay = 0.1 });

        // Adam's step is about the learning rate whatever the gradient, so a hundredth of the rate moves a weight about a hundredth as far.
        Assert.True(Moved(decayed, lowerLayer) < 0.2 * Moved(flat, lowerLayer), "layer 0 takes a hundredth of the rate");
        Assert.True(Moved(decayed, embedding) < 0.05 * Moved(flat, embedding), "the embeddings take a thousandth");
        Assert.True(Moved(decayed, head) > 0.5 * Moved(flat, head), "the head keeps the full rate");
    }

    [Fact]
    public void AuxiliaryLanguageModelLossIsRejectedWhereItCannotApply()
    {
        var negative = Assert.Throws<ArgumentException>(() => new ClassifierTrainingConfig { LanguageModelWeight = -1 }.Validate());
        Assert.Contains("LanguageModelWeight must be 0 or more", negative.Message);
        var bert = new BertClassifier(new BertConfig
        {
            VocabularySize = tokenizer.VocabularySize,
            MaxPositions = 32,
            Layers = 1,
            Heads = 2,
            Width = 16,
            IntermediateWidth = 32
        }, 2);
        var trainer = new ClassifierTrainer(new ClassifierTrainingConfig { LanguageModelWeight = 0.5 }, new TextBatcher(tokenizer, 32), _ =>
            { });
        var error = Assert.Throws<ArgumentException>(() => trainer.Train(bert, Train, Dev, 2));
        Assert.Contains("needs a GPT-body classifier", error.Message);
    }
}
