using System.Text.Json.Nodes;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class TeacherTrainingTests : IDisposable
{
    /// <summary>One deterministic epoch: enough to check what is saved, not to learn.</summary>
    internal static readonly ClassifierTrainingConfig OneQuickEpoch = new() { Epochs = 1, BatchSize = 2, LearningRate = 1e-3, Dropout = 0 };

    private readonly TinyRunEnvironment environment = new();

    public void Dispose() => environment.Dispose();

    private TaskDataset Task => environment.Task;

    private TeacherTrainingResult Train(ClassifierTrainingConfig config, string name, List<string>? log = null) =>
        TeacherTraining.Train(Task, Path.Combine(environment.Root, "models", "prior"), Path.Combine(environment.Root, "teachers", name),
            config, CPU, line => log?.Add(line));

    /// <summary>An empty folder for a downloaded encoder, models/hf/name.</summary>
    private string DownloadFolder(string name) => Directory.CreateDirectory(Path.Combine(environment.Root, "models", "hf", name)).FullName;

    private static float[] ParameterValues(nn.Module module, string name) =>
        module.named_parameters().Single(p => p.name == name).parameter.data<float>().ToArray();

    private byte[] Weights(string name) => File.ReadAllBytes(Path.Combine(environment.Root, "teachers", name, "model.safetensors"));

    [Fact]
    public void RestartsKeepTheSeedWithTheBestDevAccuracyExactlyAsThatSeedTrainsAlone()
    {
        var config = new ClassifierTrainingConfig { Epochs = 2, BatchSize = 2, LearningRate = 3e-3, Dropout = 0, Seed = 40, Restarts = 3 };
        var log = new List<string>();
        var restarted = Train(config, "restarted", log);

        Assert.Equal([40L, 41L, 42L], restarted.Restarts.Select(r => r.Seed));
        double best = restarted.Restarts.Max(r => r.BestDev.Accuracy);
        Assert.Equal(restarted.Restarts.First(r => r.BestDev.Accuracy == best).Seed, restarted.KeptSeed);
        Assert.Equal(best, restarted.BestDev.Accuracy);
        Assert.Contains(log, l => l.StartsWith($"kept seed {restarted.KeptSeed} of 3 restarts", StringComparison.Ordinal));

        var alone = Train(config with { Seed = restarted.KeptSeed, Restarts = 1 }, "alone");
        Assert.Equal(Weights("alone"), Weights("restarted"));
        Assert.Equal(alone.Test.Accuracy, restarted.Test.Accuracy);

        string folder = Path.Combine(environment.Root, "teachers", "restarted");
        string card = File.ReadAllText(Path.Combine(folder, "card.md"));
        Assert.Contains("best dev of 3 restarts, seeds 40–42", card);
        Assert.Contains("--restarts 3", card);
        // Bit-for-bit reproduction needs the code and the machine as well as the command.
        Assert.Matches(@"\| code version \| [^|]*[0-9a-f]{40}(\+dirty)? \|", card);
        Assert.Matches(@"\| runtime \| libtorch 2\.[^|]*threads: \d+[^|]*CPU: [^|]+ \|", card);
        // The card says whether the gap to the baseline is more than chance, not just its sign.
        Assert.Matches(@"\| against Naive Bayes on test \| only the teacher right on \d+ texts, only Naive Bayes on \d+; " +
            @"exact McNemar p = [01]\.\d{3} \|", card);
        var training = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!["promptdfd"]!["training"]!;
        Assert.Equal(restarted.KeptSeed, (long)training["kept_seed"]!);
        Assert.Equal(3, (int)training["Restarts"]!);
    }

    [Fact]
    public void TrainingLinesSayHowLongTheRestWillTakeAtThePaceSoFar()
    {
        var log = new List<string>();
        Train(OneQuickEpoch with { Epochs = 4, BatchSize = 1 }, "paced", log);

        var paced = log.Where(l => l.Contains(" step ", StringComparison.Ordinal) && !l.Contains("dev", StringComparison.Ordinal)).ToList();
        Assert.True(paced.Count > 0, string.Join("\n", log));
        Assert.All(paced, l => Assert.Matches(@"s, ETA (\d+:)?\d\d:\d\d$", l));
    }

    [Fact]
    public void ATeacherThatDoesNotBeatNaiveBayesSaysSoInTheLogTheCardAndTheResultWithWhatToTryNext()
    {
        // A learning rate too small to move the weights leaves the tiny teacher at one class; Naive Bayes reads the words.
        var log = new List<string>();
        var result = Train(OneQuickEpoch with { LearningRate = 1e-12 }, "weak", log);

        Assert.True(result.Test.Accuracy <= result.NaiveBayesTest.Accuracy);
        Assert.NotNull(result.WeakerThanNaiveBayes);
        Assert.Contains("does not beat Naive Bayes on test", result.WeakerThanNaiveBayes);
        Assert.Contains("--restarts 5", result.WeakerThanNaiveBayes);
        Assert.Contains(log, l => l == $"warning: {result.WeakerThanNaiveBayes}");
        Assert.Contains(log, l => l.StartsWith("Naive Bayes on tiny dev:", StringComparison.Ordinal));
        string card = File.ReadAllText(Path.Combine(environment.Root, "teachers", "weak", "card.md"));
        Assert.Contains($"> **Warning.** {result.WeakerThanNaiveBayes}", card);
    }

    private string WriteBertEncoder(string[] labels)
    {
        string folder = DownloadFolder("bert");
        HuggingFaceFixtures.WriteBert(folder, labels: labels);
        return folder;
    }

    [Fact]
    public void ABertEncoderStartsAsItsOwnBodyWithAFreshHeadSizedToTheTask()
    {
        // A checkpoint fine-tuned for three other classes: only its body is taken.
        var arrays = HuggingFaceFixtures.WriteBert(WriteBertEncoder(["a", "b", "c"]));
        manual_seed(1);

        var teacher = Assert.IsType<BertClassifier>(TeacherBase.Load(Path.Combine(environment.Root, "models", "hf", "bert"),
            CPU).NewTeacher(2, new ClassifierTrainingConfig()));

        var parameters = teacher.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(arrays["bert.encoder.layer.1.attention.self.query.weight"].Values,
            parameters["bert.encoder.layer.1.attention.self.query.weight"].data<float>().ToArray());
        Assert.Equal([2L, HuggingFaceFixtures.Width], parameters["classifier.weight"].shape);
    }

    [Fact]
    public void ATeacherFineTunedFromABertEncoderKeepsItsWordPieceTokenizerAndTheTasksLabels()
    {
        string encoder = WriteBertEncoder(["LABEL_0", "LABEL_1"]);
        File.WriteAllText(Path.Combine(encoder, "tokenizer_config.json"), """{"do_lower_case": true}""");
        var task = Task;
        string output = Path.Combine(environment.Root, "teachers", "bert");

        var result = TeacherTraining.Train(task, encoder, output, new ClassifierTrainingConfig
        {
            Epochs = 2,
            BatchSize = 2,
            LearningRate = 1e-3,
            Dropout = 0
        }, CPU, _ => { });

        var loaded = Checkpoint.LoadClassifier(output);
        Assert.IsType<BertClassifier>(loaded.Module);
        Assert.Equal(TinyRunEnvironment.Labels, loaded.Labels);
        Assert.Equal(TokenizerFactory.Fingerprint(encoder), TokenizerFactory.Fingerprint(output));
        Assert.Equal(result.Test.Accuracy, ClassifierInference.Score(loaded.Module,
            new TextBatcher(loaded.Tokenizer, HuggingFaceFixtures.Positions), task, task.Splits.Test).Accuracy, 6);
        string card = File.ReadAllText(Path.Combine(output, "card.md"));
        Assert.Contains("BertForSequenceClassification layout, 2 layers, width 16, 2 classes", card);
        Assert.Contains("its pooled [CLS] token", card);
        Assert.Contains($" --base {encoder}", card);
        Assert.Contains($"sha256 {Checkpoint.WeightsSha256(encoder)[..16]}", card);
    }

    [Fact]
    public void ATeacherFineTunedFromADistilBertBaseModelKeepsItsBodyAndIsSavedAsADistilBertClassifier()
    {
        // distilbert-base-uncased is a DistilBertForMaskedLM: no id2label, no pre_classifier, a vocab_* head to leave out.
        string encoder = DownloadFolder("distilbert");
        var arrays = HuggingFaceFixtures.WriteDistilBert(encoder, head: HuggingFaceFixtures.DistilBertHead.MaskedLanguageModel);
        var task = Task;
        string output = Path.Combine(environment.Root, "teachers", "distilbert");

        manual_seed(1);
        var untrained = Assert.IsType<BertClassifier>(TeacherBase.Load(encoder, CPU).NewTeacher(2, new ClassifierTrainingConfig()));
        Assert.Equal(arrays["distilbert.transformer.layer.1.attention.q_lin.weight"].Values,
            ParameterValues(untrained, "bert.encoder.layer.1.attention.self.query.weight"));

        var result = TeacherTraining.Train(task, encoder, output, OneQuickEpoch, CPU, _ => { });

        var loaded = Checkpoint.LoadClassifier(output);
        Assert.Equal(EncoderFamily.DistilBert, Assert.IsType<BertClassifier>(loaded.Module).Config.Family);
        Assert.Equal(TinyRunEnvironment.Labels, loaded.Labels);
        Assert.Contains("pre_classifier.weight", SafeTensorsFile.Read(Path.Combine(output, Checkpoint.WeightsFile)).Keys);
        Assert.Equal(result.Test.Accuracy, ClassifierInference.Score(loaded.Module,
            new TextBatcher(loaded.Tokenizer, HuggingFaceFixtures.Positions), task, task.Splits.Test).Accuracy, 6);
        Assert.Contains("DistilBertForSequenceClassification layout, 2 layers, width 16, 2 classes",
            File.ReadAllText(Path.Combine(output, "card.md")));
    }

    [Fact]
    public void ATeacherFineTunedFromAnElectraDiscriminatorKeepsItsEmbeddingProjectionAndIsSavedAsAnElectraClassifier()
    {
        // electra-small-discriminator is an ElectraForPreTraining: no id2label, a discriminator head to leave out.
        string encoder = DownloadFolder("electra");
        var arrays = HuggingFaceFixtures.WriteElectra(encoder, head: HuggingFaceFixtures.ElectraHead.Discriminator);
        var task = Task;
        string output = Path.Combine(environment.Root, "teachers", "electra");

        var untrained = Assert.IsType<BertClassifier>(TeacherBase.Load(encoder, CPU).NewTeacher(2, new ClassifierTrainingConfig()));
        Assert.Equal(arrays["electra.embeddings_project.weight"].Values, ParameterValues(untrained, "bert.embeddings_project.weight"));

        TeacherTraining.Train(task, encoder, output, OneQuickEpoch, CPU, _ => { });

        var loaded = Checkpoint.LoadClassifier(output);
        Assert.Equal(EncoderFamily.Electra, Assert.IsType<BertClassifier>(loaded.Module).Config.Family);
        var saved = SafeTensorsFile.Read(Path.Combine(output, Checkpoint.WeightsFile)).Keys;
        Assert.Contains("electra.embeddings_project.weight", saved);
        Assert.Contains("classifier.out_proj.weight", saved);
        Assert.DoesNotContain(saved, key => key.StartsWith("discriminator_predictions.", StringComparison.Ordinal));
        Assert.Contains("ElectraForSequenceClassification layout, 2 layers, width 16, 2 classes",
            File.ReadAllText(Path.Combine(output, "card.md")));
    }

    [Fact]
    public void ATeacherFineTunedFromAnAlbertBaseModelKeepsItsSharedLayerAndIsSavedAsAnAlbertClassifier()
    {
        // albert-base-v2 is an AlbertForPreTraining: no id2label, predictions and sop_classifier heads to leave out.
        string encoder = DownloadFolder("albert");
        var arrays = HuggingFaceFixtures.WriteAlbert(encoder, head: HuggingFaceFixtures.AlbertHead.PreTraining);
        string output = Path.Combine(environment.Root, "teachers", "albert");

        var untrained = Assert.IsType<BertClassifier>(TeacherBase.Load(encoder, CPU).NewTeacher(2, new ClassifierTrainingConfig()));
        Assert.Equal(arrays["albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight"].Values,
            ParameterValues(untrained, "bert.encoder.layer.0.intermediate.dense.weight"));

        TeacherTraining.Train(Task, encoder, output, OneQuickEpoch, CPU, _ => { });

        var loaded = Checkpoint.LoadClassifier(output);
        Assert.Equal(EncoderFamily.Albert, Assert.IsType<BertClassifier>(loaded.Module).Config.Family);
        var saved = SafeTensorsFile.Read(Path.Combine(output, Checkpoint.WeightsFile)).Keys;
        Assert.Contains("albert.encoder.embedding_hidden_mapping_in.weight", saved);
        Assert.DoesNotContain(saved, key => key.StartsWith("predictions.", StringComparison.Ordinal)
            || key.StartsWith("sop_classifier.", StringComparison.Ordinal));
        Assert.Equal("gelu_new", Checkpoint.ReadConfig(output)["hidden_act"]!.GetValue<string>());
        Assert.Contains("AlbertForSequenceClassification layout, 2 layers, width 16, 2 classes",
            File.ReadAllText(Path.Combine(output, "card.md")));
    }

    [Fact]
    public void ATeacherFineTunedFromADebertaKeepsItsRelativePositionsAndIsSavedAsADebertaClassifier()
    {
        string encoder = DownloadFolder("deberta");
        DebertaFixture.CopyTo(encoder);
        var arrays = SafeTensorsFile.Read(Path.Combine(encoder, Checkpoint.WeightsFile));
        string output = Path.Combine(environment.Root, "teachers", "deberta");

        var untrained = Assert.IsType<BertClassifier>(TeacherBase.Load(encoder, CPU).NewTeacher(2, new ClassifierTrainingConfig()));
        Assert.Equal(arrays["deberta.encoder.rel_embeddings.weight"].Values,
            ParameterValues(untrained, "bert.encoder.rel_embeddings.weight"));
        Assert.Equal(arrays["deberta.encoder.layer.0.attention.self.key_proj.weight"].Values,
            ParameterValues(untrained, "bert.encoder.layer.0.attention.self.key.weight"));

        TeacherTraining.Train(Task, encoder, output, OneQuickEpoch, CPU, _ => { });

        var loaded = Checkpoint.LoadClassifier(output);
        Assert.Equal(EncoderFamily.DebertaV2, Assert.IsType<BertClassifier>(loaded.Module).Config.Family);
        Assert.Equal(TinyRunEnvironment.Labels, loaded.Labels);
        Assert.Equal(TokenizerFactory.Fingerprint(encoder), TokenizerFactory.Fingerprint(output));
        string card = File.ReadAllText(Path.Combine(output, "card.md"));
        Assert.Contains("DebertaV2ForSequenceClassification layout, 2 layers, width 16, 2 classes", card);
        Assert.Contains($"| base model.safetensors | `{Checkpoint.WeightsSha256(encoder)}` |", card);
    }

    [Fact]
    public void ATeacherFineTunedFromARobertaClassifierGetsAFreshOutputLayerAndIsSavedAsARoberta()
    {
        string encoder = DownloadFolder("roberta");
        var arrays = HuggingFaceFixtures.WriteRoberta(encoder, labels: ["a", "b", "c"]);
        var task = Task;
        string output = Path.Combine(environment.Root, "teachers", "roberta");

        manual_seed(1);
        var untrained = Assert.IsType<BertClassifier>(TeacherBase.Load(encoder, CPU).NewTeacher(2, new ClassifierTrainingConfig()));
        var parameters = untrained.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        // transformers keeps a classifier's dense layer when it re-heads it for other classes, and so do we.
        Assert.Equal(arrays["classifier.dense.weight"].Values, parameters["bert.pooler.dense.weight"].data<float>().ToArray());
        Assert.Equal([2L, HuggingFaceFixtures.Width], parameters["classifier.weight"].shape);

        TeacherTraining.Train(task, encoder, output, OneQuickEpoch, CPU, _ => { });

        var loaded = Checkpoint.LoadClassifier(output);
        Assert.Equal(EncoderFamily.Roberta, Assert.IsType<BertClassifier>(loaded.Module).Config.Family);
        Assert.Equal(TinyRunEnvironment.Labels, loaded.Labels);
        Assert.Equal(TokenizerFactory.Fingerprint(encoder), TokenizerFactory.Fingerprint(output));
        string card = File.ReadAllText(Path.Combine(output, "card.md"));
        Assert.Contains("RobertaForSequenceClassification layout, 2 layers, width 16, 2 classes", card);
        Assert.Contains("its pooled <s> token", card);
    }

    [Theory]
    [InlineData("--pooling mean", "mean")]
    [InlineData("--lm-weight", "lm")]
    public void OptionsThatNeedAGptBodyAreRefusedForABertEncoder(string option, string which)
    {
        var config = which == "mean" ? new ClassifierTrainingConfig { Pooling = ClassifierPooling.Mean }
            : new ClassifierTrainingConfig { LanguageModelWeight = 0.5 };
        var encoder = TeacherBase.Load(WriteBertEncoder(["a", "b"]), CPU);

        var error = Assert.Throws<ArgumentException>(() => encoder.NewTeacher(2, config));

        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void AGptClassifierIsNotABaseToFineTuneAndTheMessageSaysWhatIs()
    {
        var error = Assert.Throws<ArgumentException>(() => TeacherBase.Load(Path.Combine(environment.Root, "models", "teachers",
            TinyRunEnvironment.TaskName), CPU));

        Assert.Contains("is a GPT2ForSequenceClassification, a finished classifier", error.Message);
        Assert.Contains("GPT2LMHeadModel", error.Message);
    }

    [Fact]
    public void RestartsOutsideOneToTwentyAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClassifierTrainingConfig { Restarts = 0 }.Validate());
        Assert.Contains("Restarts must be between 1 and 20 (got 0)", error.Message);
    }

    [Fact]
    public void FromScratchTeacherStartsFromRandomWeightsInThePriorsShapeAndItsCardSaysSo()
    {
        var prior = Checkpoint.LoadLanguageModel(Path.Combine(environment.Root, "models", "prior"), CPU);
        int classes = TinyRunEnvironment.Labels.Length;
        using var fineTuned = TeacherTraining.NewTeacher(prior.Model, classes, new ClassifierTrainingConfig());
        using var fromScratch = TeacherTraining.NewTeacher(prior.Model, classes,
            new ClassifierTrainingConfig { FromScratch = true, Dropout = 0.2 });

        Assert.True(fineTuned.TokenEmbedding.allclose(prior.Model.Body.TokenEmbedding, rtol: 0, atol: 0));
        Assert.False(fromScratch.TokenEmbedding.allclose(prior.Model.Body.TokenEmbedding));
        Assert.False(fromScratch.Body.state_dict()["h.0.attn.c_attn.weight"].allclose(prior.Model.Body.state_dict()["h.0.attn.c_attn.weight"]));
        Assert.Equal(prior.Model.Config with { Dropout = 0.2 }, fromScratch.Config);

        Train(new ClassifierTrainingConfig { Epochs = 1, BatchSize = 2, Dropout = 0, FromScratch = true }, "scratch");
        string folder = Path.Combine(environment.Root, "teachers", "scratch");
        string card = File.ReadAllText(Path.Combine(folder, "card.md"));
        Assert.Contains("a network of the language prior's shape with a linear head on the last token, trained from random weights", card);
        Assert.Contains("random weights (seed 1234), in the architecture of prior", card);
        Assert.Contains(" --from-scratch", card);
        var training = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!["promptdfd"]!["training"]!;
        Assert.True((bool)training["FromScratch"]!);
    }

    [Fact]
    public void ALayerwiseDecayIsWrittenInTheCardsCommandAndDescriptionSoTheTeacherCanBeRemade()
    {
        Train(new ClassifierTrainingConfig { Epochs = 1, BatchSize = 2, Dropout = 0, LayerDecay = 0.7 }, "layer-decay");
        string folder = Path.Combine(environment.Root, "teachers", "layer-decay");
        string card = File.ReadAllText(Path.Combine(folder, "card.md"));
        Assert.Contains("layer-wise learning-rate decay 0.7, ", card);
        Assert.Contains(" --layer-decay 0.7", card);
        var training = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!["promptdfd"]!["training"]!;
        Assert.Equal(0.7, (double)training["LayerDecay"]!);
        Assert.DoesNotContain("--layer-decay", TeacherTraining.CommandFor(Task, new ClassifierTrainingConfig(), half: false));
    }
}
