using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Models;

/// <summary>Each Hugging Face encoder family is one file; these check every family the registry finds, so a new one is held to
/// the same contract without a test of its own: its config.json and its weight names both survive a round trip.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public class EncoderFamilyRegistryTests
{
    public static TheoryData<string> ModelTypes() => [.. EncoderFamily.All.Select(family => family.ModelType)];

    private static BertConfig SmallConfigOf(EncoderFamily family) => new()
    {
        Family = family,
        VocabularySize = 50,
        MaxPositions = 24,
        TypeVocabularySize = family.HasTokenTypes ? 2 : 0,
        Layers = 2,
        Heads = 2,
        Width = 16,
        EmbeddingWidth = family.MayHaveNarrowEmbeddings ? 8 : null,
        IntermediateWidth = 32,
        PaddingId = 1,
        MaxRelativePositions = family.HasRelativeAttention ? 16 : 0,
        PositionBuckets = family.HasRelativeAttention ? 8 : 0,
        ContentToPosition = family.HasRelativeAttention,
        PositionToContent = family.HasRelativeAttention,
        NormalizesRelativeEmbeddings = family.HasRelativeAttention,
    };

    [Fact]
    public void TheRegistryFindsEveryFamilyOnceWithItsOwnModelType()
    {
        Assert.Equal(7, EncoderFamily.All.Count);
        Assert.Equal(EncoderFamily.All.Count, EncoderFamily.All.Select(family => family.ModelType).Distinct().Count());
        Assert.Contains(EncoderFamily.XlmRoberta, EncoderFamily.All);
        Assert.Same(EncoderFamily.DebertaV2, EncoderFamily.ForModelType("deberta-v2"));
        Assert.Null(EncoderFamily.ForModelType("deberta"));
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void AFamilysConfigJsonReadsBackAsTheSameShape(string modelType)
    {
        BertConfig config = SmallConfigOf(EncoderFamily.ForModelType(modelType)!);
        config.Validate();

        var json = config.ToHuggingFace();

        Assert.Equal(modelType, json["model_type"]!.GetValue<string>());
        Assert.Equal(config, BertConfig.FromHuggingFace(json, "config.json"));
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void EveryParameterOfAFamilysClassifierHasAFileNameThatMapsBackToIt(string modelType)
    {
        BertConfig config = SmallConfigOf(EncoderFamily.ForModelType(modelType)!);
        using var classifier = new BertClassifier(config, classes: 3);
        WeightLayout layout = WeightLayout.Encoder(config, allowNewHead: false);

        var names = classifier.named_parameters().Select(parameter => parameter.name).ToList();

        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.Equal(name, layout.ToModelName(layout.ToFileName(name))));
        Assert.Equal(names.Count, names.Select(layout.ToFileName).Distinct().Count());
    }
}
