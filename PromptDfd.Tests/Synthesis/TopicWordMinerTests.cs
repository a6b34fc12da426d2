using PromptDfd.Engine.Method;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Text;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Synthesis;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class TopicWordMinerTests
{
    /// <summary>A vocabulary of whole words, word pieces and upper-case entries, as a byte-level BPE has them.</summary>
    private sealed class ListTokenizer(params string[] pieces) : ITextTokenizer
    {
        public string Description => "list";
        public int VocabularySize => pieces.Length;
        public int EndOfTextId => 0;
        public int PaddingId => 0;
        public IReadOnlyList<int> Encode(string text) => throw new NotSupportedException();
        public string Decode(IEnumerable<int> ids) => string.Concat(ids.Select(i => pieces[i]));
    }

    private static readonly ListTokenizer Vocabulary = new("<|endoftext|>", " wonderful", " terrible", " awful", " table", "ing", " Great",
        " ok", " great");

    /// <summary>A teacher that reads "wonderful"/"great" as positive and "terrible"/"awful" as negative in any sentence,
    /// and "table" as positive only when it stands alone (the kind of arbitrary single-word reading mining must not trust).</summary>
    private static float[][] Teacher(IReadOnlyList<string> texts) => texts.Select(text =>
        text.Contains("wonderful") || text.Contains("great") ? new[] { 0.05f, 0.95f }
        : text.Contains("terrible") ? [0.9f, 0.1f]
        : text.Contains("awful") ? [0.97f, 0.03f]
        : text == "table" ? [0.001f, 0.999f]
        : [0.5f, 0.5f]).ToArray();

    [Fact]
    public void CandidatesAreWholeLowerCaseWordsOfTheVocabulary()
    {
        Assert.Equal(["awful", "great", "table", "terrible", "wonderful"], TopicWordMiner.CandidateWords(Vocabulary, minimumLetters: 3));
    }

    [Fact]
    public void EachClassKeepsTheWordsTheTeacherGivesItAcrossTemplatesWidestMarginFirst()
    {
        var config = new PromptMiningConfig { ScoringTemplates = ["{0}", "It was {0}.", "This is about {0}."], MinimumAgreement = 0.5 };
        var mined = TopicWordMiner.Mine(Vocabulary, 2, Teacher, config);
        Assert.Equal(["awful", "terrible"], mined[0].Select(m => m.Word));
        // "table" wins only alone (one template of three), so it is not a topic word.
        Assert.Equal(["great", "wonderful"], mined[1].Select(m => m.Word).Order());
        Assert.True(mined[0][0].Margin > mined[0][1].Margin);
    }

    [Fact]
    public void PromptsPutEveryWordInEveryFormAndAClassWithoutWordsFallsBackToItsLabel()
    {
        var config = new PromptMiningConfig { PromptTemplates = ["{0}", "It was {0}."] };
        var prompts = TopicWordMiner.Prompts(["negative", "Neutral"], [[new MinedWord("awful", -0.1, 3)], []], config);
        Assert.Equal(["awful", "It was awful."], prompts["negative"]);
        Assert.Equal(["neutral", "It was neutral."], prompts["Neutral"]);
    }

    [Fact]
    public void TemplatesWithoutAPlaceForTheWordAreRefusedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => new PromptMiningConfig
        {
            PromptTemplates = ["It was good."],
            MinimumAgreement = 0
        }.Validate());
        Assert.Contains("\"It was good.\" must contain {0}", error.Message);
        Assert.Contains("MinimumAgreement must be in (0, 1]", error.Message);
    }
}
