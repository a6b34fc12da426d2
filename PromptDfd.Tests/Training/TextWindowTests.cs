using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class TextWindowTests(TinyTokenizerFolder files) : IClassFixture<TinyTokenizerFolder>
{
    private readonly ITextTokenizer tokenizer = files.Tokenizer;

    [Fact]
    public void WindowsCoverTheWholeTextWithinTheContextAndAShortTextIsOneWindow()
    {
        var batcher = new TextBatcher(tokenizer, 8);
        var ids = Enumerable.Range(0, 21).ToList();
        var windows = batcher.Windows(ids);
        Assert.All(windows, w => Assert.Equal(8, w.Count));
        Assert.Equal(ids, windows.SelectMany(w => w).Distinct().Order());
        Assert.Equal([0, 8, 13], windows.Select(w => w[0]));
        Assert.Equal(20, windows[^1][^1]);

        var shortIds = Enumerable.Range(0, 5).ToList();
        Assert.Equal([shortIds], batcher.Windows(shortIds));
        Assert.Equal(batcher.Encode("The movie."), Assert.Single(batcher.EncodeWindows("The movie.")));
    }

    [Fact]
    public void ALongTextIsJudgedByTheMeanOverItsWindows()
    {
        manual_seed(5);
        var model = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 3);
        var batcher = new TextBatcher(tokenizer, 8);
        string longText = "The movie was wonderful and the actors were great. The food was terrible and the service was slow.";
        var windows = batcher.EncodeWindows(longText);
        Assert.True(windows.Count >= 3, $"the text should span several 8-token windows (got {windows.Count})");

        float[] whole = Assert.Single(ClassifierInference.Probabilities(model, batcher, [longText]));
        var perWindow = windows.Select(w =>
        {
            using var _ = no_grad();
            var (ids, mask) = batcher.Pad([w], CPU);
            return model.Classify(ids, mask).softmax(1).data<float>().ToArray();
        }).ToList();
        for (int c = 0; c < 3; c++) Assert.Equal(perWindow.Average(p => p[c]), whole[c], 5);
        Assert.Equal(1f, whole.Sum(), 5);
    }

    [Fact]
    public void RandomWindowsTeachACueThatOnlyAppearsPastTheOpeningWindow()
    {
        // Every text opens with the same filler; the class shows only at the end, beyond an 8-token context.
        const string filler = "In the morning the committee said the economy is growing. ";
        var train = Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? (filler + "The movie was wonderful.", 1)
            : (filler + "The food was terrible.", 0)).ToList();
        var dev = train.Take(2).ToList();
        double DevAccuracy(bool randomWindows, bool wholeTexts = false)
        {
            manual_seed(3);
            var model = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 2);
            var trainer = new ClassifierTrainer(new ClassifierTrainingConfig
            {
                Epochs = 12,
                BatchSize = 4,
                LearningRate = 3e-3,
                Dropout = 0,
                RandomWindows = randomWindows,
                WholeTexts = wholeTexts
            },
                new TextBatcher(tokenizer, 8), _ => { });
            trainer.Train(model, train, dev, 2);
            var texts = train.Select(t => t.Item1).ToList();
            var predictions = ClassifierInference.Predict(model, new TextBatcher(tokenizer, 8), texts);
            return predictions.Zip(train).Count(p => p.First == p.Second.Item2) / (double)train.Count;
        }
        Assert.Equal(0.5, DevAccuracy(randomWindows: false));
        Assert.Equal(1.0, DevAccuracy(randomWindows: true));
        Assert.Equal(1.0, DevAccuracy(randomWindows: false, wholeTexts: true));
    }

    [Fact]
    public void WholeTextLossIsTheCrossEntropyOfTheProbabilitiesInferenceReads()
    {
        manual_seed(5);
        var model = new GptClassifier(TinyModels.Gpt(tokenizer.VocabularySize), 3);
        model.eval();
        var batcher = new TextBatcher(tokenizer, 8);
        string[] texts = ["The movie was wonderful and the actors were great. The food was terrible and the service was slow.",
            "The movie."];
        long[] labels = [2, 0];
        float[][] read = ClassifierInference.Probabilities(model, batcher, texts);
        double expected = -(Math.Log(read[0][2]) + Math.Log(read[1][0])) / 2;
        using var _ = no_grad();
        using Tensor loss = ClassifierTrainer.WholeTextLoss(model, batcher, texts.Select(batcher.EncodeWhole).ToList(), tensor(labels));
        Assert.Equal(expected, loss.item<float>(), 4);
    }

    [Fact]
    public void WholeTextTrainingRefusesToBeCombinedWithOtherWaysOfReadingTexts()
    {
        var both = Assert.Throws<ArgumentException>(() => new ClassifierTrainingConfig
        {
            WholeTexts = true,
            RandomWindows = true
        }.Validate());
        Assert.Contains("choose one", both.Message);
        var withLm = Assert.Throws<ArgumentException>(() => new ClassifierTrainingConfig
        {
            WholeTexts = true,
            LanguageModelWeight = 0.5
        }.Validate());
        Assert.Contains("LanguageModelWeight to 0", withLm.Message);
    }
}
