using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class LanguageModelPretrainerTests(TinyTokenizerFolder files) : IClassFixture<TinyTokenizerFolder>
{
    private readonly ITextTokenizer tokenizer = files.Tokenizer;

    private static readonly PretrainConfig Config = new()
    {
        Steps = 6,
        BatchSize = 4,
        LearningRate = 3e-3,
        WarmupSteps = 2,
        EvaluateEvery = 3,
        EvaluationBatches = 2,
        CheckpointEvery = 2,
        Seed = 5,
    };

    private TokenStream Corpus() => new(Enumerable.Repeat(TinyTokenizer.Corpus, 8).SelectMany(c => c), tokenizer);

    private GptLanguageModel NewModel(long seed = 11)
    {
        manual_seed(seed);
        return new GptLanguageModel(TinyModels.Gpt(tokenizer.VocabularySize));
    }

    private static float[] Weights(GptLanguageModel model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    /// <summary>Trains, copying the resume state saved at <paramref name="keepStep"/> into <paramref name="keepAt"/>.</summary>
    private (GptLanguageModel Model, LanguageModelPretrainer Trainer) Pretrain(PretrainConfig config, string? resumeFrom = null,
        int keepStep = -1, string? keepAt = null, CancellationToken cancellation = default)
    {
        GptLanguageModel model = NewModel(seed: resumeFrom is null ? 11 : 99);
        var trainer = new LanguageModelPretrainer(config, _ => { }, checkpoint =>
        {
            if (checkpoint.Step == keepStep) checkpoint.SaveResumeState(keepAt!);
        });
        TokenStream corpus = Corpus();
        trainer.Train(model, corpus, corpus, resumeFrom, cancellation);
        return (model, trainer);
    }

    [Fact]
    public void PretrainingLowersTheHeldOutLoss()
    {
        TokenStream corpus = Corpus();
        GptLanguageModel model = NewModel();
        double before = LanguageModelPretrainer.Evaluate(model, corpus, 4, 2);
        var (trained, trainer) = Pretrain(Config with { Steps = 20 });
        Assert.True(trainer.LastValidationLoss < before - 0.5, $"loss {before:F3} -> {trainer.LastValidationLoss:F3}");
        Assert.Equal([3, 6, 9, 12, 15, 18, 20], trainer.ValidationHistory.Select(p => p.Step));
        trained.Dispose();
    }

    [Fact]
    public void PretrainingThatDivergesStopsWithTheLearningRateToLower()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Pretrain(Config with { LearningRate = 1e30, WarmupSteps = 1 }));
        Assert.Contains("pre-training diverged. Lower --lr (now 1E+30)", error.Message);
    }

    [Fact]
    public void ResumingFromASavedStateEndsWithTheSameWeightsAsTheUninterruptedRun()
    {
        using var folder = new TemporaryFolder();
        string resume = Path.Combine(folder.Path, "resume");
        var (whole, wholeTrainer) = Pretrain(Config, keepStep: 4, keepAt: resume);

        var (resumed, resumedTrainer) = Pretrain(Config, resumeFrom: resume);

        Assert.Equal(Weights(whole), Weights(resumed));
        Assert.Equal(wholeTrainer.LastValidationLoss, resumedTrainer.LastValidationLoss);
        Assert.Equal(wholeTrainer.ValidationHistory.Select(p => (p.Step, p.ValidationLoss)),
            resumedTrainer.ValidationHistory.Select(p => (p.Step, p.ValidationLoss)));
    }

    [Fact]
    public void AStoppedRunSavesWhereItStoppedAndContinuesFromThere()
    {
        using var folder = new TemporaryFolder();
        string resume = Path.Combine(folder.Path, "resume");
        var (whole, _) = Pretrain(Config);
        using var cancellation = new CancellationTokenSource();
        int savedAt = -1;
        TokenStream corpus = Corpus();
        // Stop after the first evaluation (step 3), between checkpoints.
        var stoppingTrainer = new LanguageModelPretrainer(Config with { CheckpointEvery = 100 }, progress =>
            { if (progress.ValidationLoss is not null) cancellation.Cancel(); }, checkpoint =>
        {
            savedAt = checkpoint.Step;
            Assert.False(checkpoint.Finished);
            checkpoint.SaveResumeState(resume);
        });
        stoppingTrainer.Train(NewModel(), corpus, corpus, cancellation: cancellation.Token);
        Assert.Equal(3, savedAt);

        var (resumed, _) = Pretrain(Config with { CheckpointEvery = 100 }, resumeFrom: resume);
        Assert.Equal(Weights(whole), Weights(resumed));
    }

    [Fact]
    public void ResumingWithDifferentSettingsIsRefusedAndNamesWhatDiffers()
    {
        using var folder = new TemporaryFolder();
        string resume = Path.Combine(folder.Path, "resume");
        Pretrain(Config, keepStep: 2, keepAt: resume);

        var error = Assert.Throws<InvalidDataException>(() => Pretrain(Config with { LearningRate = 1e-3 }, resumeFrom: resume));
        Assert.Contains("LearningRate = 0.003", error.Message);
        Assert.Contains("same settings", error.Message);

        var missing = Assert.Throws<FileNotFoundException>(() => Pretrain(Config, resumeFrom: Path.Combine(folder.Path, "nothing")));
        Assert.Contains("without resuming", missing.Message);
    }
}
