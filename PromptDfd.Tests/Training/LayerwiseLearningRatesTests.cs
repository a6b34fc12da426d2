using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class LayerwiseLearningRatesTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static Dictionary<string, double> ScaleByName(nn.Module module, IReadOnlyList<AdamOptimizer.ParameterGroup> groups)
    {
        var scales = new Dictionary<string, double>();
        foreach (var (name, parameter) in module.named_parameters())
        {
            var owners = groups.Where(g => g.Parameters.Any(p => ReferenceEquals(p, parameter))).ToList();
            if (owners.Count > 0) scales.Add(name, Assert.Single(owners).LearningRateScale);
        }
        return scales;
    }

    [Fact]
    public void AGptTeachersEmbeddingsTakeTheSmallestRateAndEachLayerDecayMoreThanTheOneAbove()
    {
        var teacher = new GptClassifier(TinyModels.Gpt(), 3);
        var groups = LayerwiseLearningRates.Groups(teacher, 0.5, 0.01);

        var scales = ScaleByName(teacher, groups);
        Assert.Equal(teacher.parameters().Count(), scales.Count);
        // Two layers: embeddings 0.5^3, layer 0 0.5^2, layer 1 0.5, head and final norm the full rate.
        Assert.Equal(0.125, scales["transformer.wte.weight"]);
        Assert.Equal(0.125, scales["transformer.wpe.weight"]);
        Assert.Equal(0.25, scales["transformer.h.0.attn.c_attn.weight"]);
        Assert.Equal(0.5, scales["transformer.h.1.mlp.c_proj.bias"]);
        Assert.Equal(1.0, scales["transformer.ln_f.weight"]);
        Assert.Equal(1.0, scales["score.weight"]);
        Assert.All(groups, g => Assert.Equal(0.01, g.WeightDecay));
    }

    [Fact]
    public void WithoutDecayOneGroupHoldsTheTrainedParametersInTheModulesOrderAndFrozenOnesAreLeftOut()
    {
        var teacher = new GptClassifier(TinyModels.Gpt(), 2);
        teacher.TokenEmbedding.requires_grad = false;

        var single = Assert.Single(LayerwiseLearningRates.Groups(teacher, 1, 0.01));
        Assert.Equal(1.0, single.LearningRateScale);
        Assert.Equal(teacher.parameters().Where(p => p.requires_grad), single.Parameters);

        var decayed = LayerwiseLearningRates.Groups(teacher, 0.8, 0.01);
        Assert.DoesNotContain(decayed.SelectMany(g => g.Parameters), p => ReferenceEquals(p, teacher.TokenEmbedding));
        Assert.Equal(teacher.parameters().Count() - 1, decayed.Sum(g => g.Parameters.Count));
    }

    public static TheoryData<string> EncoderFamilies => ["bert", "distilbert", "electra", "albert", "roberta"];

    [Theory]
    [MemberData(nameof(EncoderFamilies))]
    public void EveryEncoderFamilysLayersAreFoundBetweenItsEmbeddingsAndItsHead(string family)
    {
        string encoder = Directory.CreateDirectory(Path.Combine(folder.Path, family)).FullName;
        switch (family)
        {
            case "bert": HuggingFaceFixtures.WriteBert(encoder); break;
            case "distilbert": HuggingFaceFixtures.WriteDistilBert(encoder); break;
            case "electra": HuggingFaceFixtures.WriteElectra(encoder); break;
            case "albert": HuggingFaceFixtures.WriteAlbert(encoder); break;
            default: HuggingFaceFixtures.WriteRoberta(encoder); break;
        }
        var teacher = (BertClassifier)TeacherBase.Load(encoder, CPU).NewTeacher(2, new ClassifierTrainingConfig());

        var scales = ScaleByName(teacher, LayerwiseLearningRates.Groups(teacher, 0.5, 0));

        // ALBERT runs one shared layer at every depth, so it has a single layer to place.
        int layers = family == "albert" ? 1 : teacher.Config.Layers;
        Assert.Equal(teacher.parameters().Count(), scales.Count);
        Assert.Equal(Math.Pow(0.5, layers + 1), scales["bert.embeddings.word_embeddings.weight"]);
        Assert.All(scales.Where(s => s.Key.Contains("embeddings", StringComparison.Ordinal)), s =>
            Assert.Equal(Math.Pow(0.5, layers + 1), s.Value));
        Assert.Equal(Math.Pow(0.5, layers), scales["bert.encoder.layer.0.attention.self.query.weight"]);
        Assert.Equal(0.5, scales[$"bert.encoder.layer.{layers - 1}.output.dense.weight"]);
        Assert.Equal(1.0, scales["classifier.weight"]);
        Assert.Equal(layers + 2, scales.Values.Distinct().Count());
    }

    [Fact]
    public void DebertasRelativePositionTableAndItsLayerNormSitWithTheEmbeddings()
    {
        var teacher = (BertClassifier)Checkpoint.LoadClassifier(DebertaFixture.Path()).Module;

        var scales = ScaleByName(teacher, LayerwiseLearningRates.Groups(teacher, 0.5, 0));

        double lowest = Math.Pow(0.5, teacher.Config.Layers + 1);
        var relative = scales.Where(s => s.Key.Contains("rel_embeddings", StringComparison.Ordinal)
            || s.Key.Contains("encoder.LayerNorm.", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, relative.Count);
        Assert.All(relative, s => Assert.Equal(lowest, s.Value));
        Assert.Equal(lowest, scales["bert.embeddings.word_embeddings.weight"]);
        Assert.Equal(1.0, scales["classifier.weight"]);
    }

    [Fact]
    public void AGroupsScaleMultipliesItsStepAndAZeroScaleLeavesItsParametersAsTheyWere()
    {
        manual_seed(4);
        var halfRate = nn.Linear(3, 2);
        var scaled = nn.Linear(3, 2);
        var frozen = nn.Linear(3, 2);
        scaled.load_state_dict(halfRate.state_dict());
        frozen.load_state_dict(halfRate.state_dict());
        var before = frozen.parameters().Select(p => p.detach().clone()).ToList();

        using var reference = AdamOptimizer.AdamW(halfRate.parameters(), 5e-3, weightDecay: 0.1);
        using var grouped = new AdamOptimizer(
            [new AdamOptimizer.ParameterGroup(scaled.parameters().ToList(), 0.1, LearningRateScale: 0.5),
                new AdamOptimizer.ParameterGroup(frozen.parameters().ToList(), 0.1, LearningRateScale: 0)],
            1e-2, decoupledWeightDecay: true);
        Tensor input = randn(8, 3);
        for (int step = 0; step < 3; step++)
        {
            reference.ZeroGrad();
            grouped.ZeroGrad();
            halfRate.forward(input).square().sum().backward();
            (scaled.forward(input).square().sum() + frozen.forward(input).square().sum()).backward();
            reference.Step();
            grouped.Step();
        }

        Assert.All(halfRate.parameters().Zip(scaled.parameters()), pair =>
            Assert.True(pair.First.allclose(pair.Second, rtol: 1e-6, atol: 1e-7)));
        Assert.All(before.Zip(frozen.parameters()), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
        Assert.False(before[0].eq(scaled.parameters().First()).all().item<bool>(),
            "the scaled group must have moved, or the test shows nothing");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ADecayOutsideZeroToOneIsRefusedWithTheRangeItMustBeIn(double decay)
    {
        var problem = Assert.Throws<ArgumentException>(() => new ClassifierTrainingConfig { LayerDecay = decay }.Validate());
        Assert.Contains("LayerDecay must be in (0, 1]", problem.Message);
    }

    [Fact]
    public void AModelWithoutAStackOfLayersCannotTakeLayerwiseRates()
    {
        var problem = Assert.Throws<InvalidOperationException>(() => LayerwiseLearningRates.Groups(nn.Linear(2, 2), 0.7, 0));
        Assert.Contains("train it with decay 1", problem.Message);
    }
}
