using PromptDfd.Engine.Method;
using PromptDfd.Engine.Text;

namespace PromptDfd.Engine.Prompter;

/// <summary>A steering command that passed the rules: the class's index and the cleaned prompt texts.</summary>
public sealed record CheckedCommand(SteeringAction Action, int Label, string Prompt, string? NewPrompt);

/// <summary>
/// What a topic prompt may be for one task and prior: a known class, one line of at most
/// <see cref="MaximumPromptCharacters"/> characters, short enough to leave the content its tokens. Stateless, so the
/// run manager checks a command the moment it is given (and can refuse it with a reason) while the state the commands
/// lead to lives only in the run's <see cref="PromptSteering"/>.
/// </summary>
public sealed class PromptRules
{
    public const int MaximumPromptCharacters = 200;
    private readonly Func<string, int> countTokens;
    private readonly int maximumTokens;
    private readonly string? noRoom;

    public PromptRules(IReadOnlyList<string> labels, Func<string, int> countTokens, int maximumTokens, string? noRoom = null)
    {
        Labels = labels;
        this.countTokens = countTokens;
        this.maximumTokens = maximumTokens;
        this.noRoom = noRoom;
    }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>
    /// The rules for prompts that a prior continues with <paramref name="contentTokens"/> tokens: a prompt may use the
    /// rest of the prior's context but one position (the start token). Runs and the playground both check prompts
    /// through this, so they agree on what fits.
    /// </summary>
    public static PromptRules ForPrior(IReadOnlyList<string> labels, ITextTokenizer tokenizer, int contextLength, int contentTokens) =>
        new(labels, text => tokenizer.Encode(text).Count, contextLength - contentTokens - 1,
            $"the prior reads {contextLength} tokens and the content takes {contentTokens} of them, which leaves no room for a prompt; " +
            $"ask for at most {contextLength - 2} content tokens");

    /// <summary>Rules that accept any prompt of a known class: for commands that were checked when they were given.</summary>
    public static PromptRules Unchecked(IReadOnlyList<string> labels) => new(labels, _ => 0, int.MaxValue);

    /// <summary>The command with its class resolved and its prompts cleaned, or an <see cref="ArgumentException"/> saying
    /// what is wrong with it.</summary>
    public CheckedCommand Check(SteeringCommand command)
    {
        int label = IndexOf(command.Class);
        if (label < 0) throw new ArgumentException($"Unknown class '{command.Class}'; the task's classes are {string.Join(", ", Labels)}.");
        if (!Enum.IsDefined(command.Action)) throw new ArgumentException($"Unknown steering action {command.Action}.");
        string prompt = CheckPrompt(command.Prompt, "Prompt");
        string? replacement = command.Action == SteeringAction.Edit ? CheckPrompt(command.NewPrompt, "NewPrompt") : null;
        return new CheckedCommand(command.Action, label, prompt, replacement);
    }

    private int IndexOf(string label)
    {
        for (int i = 0; i < Labels.Count; i++)
            if (Labels[i] == label) return i;
        return -1;
    }

    private string CheckPrompt(string? prompt, string field)
    {
        string text = (prompt ?? "").Trim();
        if (text.Length == 0) throw new ArgumentException($"{field} is empty; type the words the class's samples should start with.");
        if (text.Length > MaximumPromptCharacters) throw new ArgumentException($"{field} has {text.Length} characters; a topic prompt is " +
            $"at most {MaximumPromptCharacters}.");
        if (text.Any(char.IsControl)) throw new ArgumentException($"{field} contains control characters (e.g. new lines); use a " +
            $"single line of text.");
        int tokens = countTokens(text);
        if (maximumTokens < 1 && noRoom is not null) throw new ArgumentException($"{field} cannot fit: {noRoom}.");
        if (tokens > maximumTokens) throw new ArgumentException($"{field} is {tokens} tokens long; at most {maximumTokens} fit before " +
            $"the content.");
        return text;
    }
}
