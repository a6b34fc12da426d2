using PromptDfd.Engine.Method;
using PromptDfd.Engine.Prompter;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Synthesis;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class PromptSteeringTests
{
    private static PromptSteering New() => new(["negative", "positive"], text => text.Split(' ').Length, maximumTokens: 6);

    [Fact]
    public void PinnedAndAddedPromptsJoinTheClassPoolAndBanningRemovesThem()
    {
        var steering = New();
        steering.Apply(new SteeringCommand(SteeringAction.Add, "positive", "I loved it"));
        steering.Apply(new SteeringCommand(SteeringAction.Pin, "positive", "Best film ever"));
        Assert.Equal([("I loved it", false), ("Best film ever", true)], steering.Manual(1).Select(p => (p.Text, p.Pinned)));
        Assert.Empty(steering.Manual(0));

        steering.Apply(new SteeringCommand(SteeringAction.Ban, "positive", "  i LOVED   it "));
        Assert.Equal(["Best film ever"], steering.Manual(1).Select(p => p.Text));
        Assert.True(steering.IsBanned(1, "I loved it"));
        Assert.False(steering.IsBanned(0, "I loved it"));
    }

    [Fact]
    public void EditingAPrompterPromptBansTheOldTextAndAddsTheCorrection()
    {
        var steering = New();
        steering.Apply(new SteeringCommand(SteeringAction.Edit, "negative", "the the movie", "The movie was boring"));
        Assert.True(steering.IsBanned(0, "the the movie"));
        Assert.Equal(["The movie was boring"], steering.Manual(0).Select(p => p.Text));
    }

    [Fact]
    public void SnapshotRebuildsTheSameSteering()
    {
        var steering = New();
        steering.Apply(new SteeringCommand(SteeringAction.Pin, "positive", "Best film ever"));
        steering.Apply(new SteeringCommand(SteeringAction.Ban, "negative", "bad words"));
        var copy = New();
        foreach (var command in steering.Snapshot()) copy.Apply(command);
        Assert.Equal(steering.Manual(1), copy.Manual(1));
        Assert.True(copy.IsBanned(0, "bad words"));
    }

    [Theory]
    [InlineData("neutral", "hello", "Unknown class 'neutral'")]
    [InlineData("positive", "   ", "empty")]
    [InlineData("positive", "one two three four five six seven", "7 tokens long; at most 6")]
    [InlineData("positive", "line\nbreak", "control characters")]
    public void AbsurdCommandsAreRefusedWithAReason(string label, string prompt, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => New().Apply(new SteeringCommand(SteeringAction.Add, label, prompt)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ABannedPromptIsListedAsTheUserWroteItAndCanBeUnbannedInAnyCase()
    {
        var steering = New();
        steering.Apply(new SteeringCommand(SteeringAction.Ban, "positive", "The Matrix Rocks"));
        Assert.Equal(["The Matrix Rocks"], steering.Banned(1));
        Assert.True(steering.IsBanned(1, "the   matrix rocks"));

        steering.Apply(new SteeringCommand(SteeringAction.Unban, "positive", "THE MATRIX ROCKS"));
        Assert.Empty(steering.Banned(1));
        Assert.False(steering.IsBanned(1, "The Matrix Rocks"));
    }

    [Fact]
    public void RulesCheckACommandWithoutChangingAnySteering()
    {
        var rules = new PromptRules(["negative", "positive"], text => text.Split(' ').Length, maximumTokens: 6);
        var steering = new PromptSteering(rules);
        CheckedCommand valid = rules.Check(new SteeringCommand(SteeringAction.Edit, "positive", "  old words ", "new words"));
        Assert.Equal((1, "old words", "new words"), (valid.Label, valid.Prompt, valid.NewPrompt));
        Assert.Empty(steering.Manual(1));
        Assert.Throws<ArgumentException>(() => rules.Check(new SteeringCommand(SteeringAction.Edit, "positive", "old", "")));
        Assert.Throws<ArgumentException>(() => rules.Check(new SteeringCommand((SteeringAction)42, "positive", "old")));
    }

    [Fact]
    public void APriorWhoseContextTheContentFillsRefusesEveryPromptSayingWhatToLower()
    {
        var tokenizer = new WordTokenizer();
        var rules = PromptRules.ForPrior(["negative", "positive"], tokenizer, contextLength: 32, contentTokens: 32);
        var error = Assert.Throws<ArgumentException>(() => rules.Check(new SteeringCommand(SteeringAction.Add, "positive", "The movie")));
        Assert.Contains("the prior reads 32 tokens and the content takes 32", error.Message);
        Assert.Contains("at most 30 content tokens", error.Message);
    }

    /// <summary>One token per word: enough to count a prompt's tokens.</summary>
    private sealed class WordTokenizer : PromptDfd.Engine.Text.ITextTokenizer
    {
        public string Description => "words";
        public int VocabularySize => 100;
        public int EndOfTextId => 0;
        public int PaddingId => 0;
        public IReadOnlyList<int> Encode(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Length).ToList();
        public string Decode(IEnumerable<int> ids) => string.Join(' ', ids);
    }
}
