using System.Text.Json.Serialization;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Text;

namespace PromptDfd.Engine.Prompter;

/// <summary>One manual prompt of a class and whether it is pinned (used in every step).</summary>
public sealed record ManualPrompt(string Text, bool Pinned);

/// <summary>
/// The user's hand on the prompter: per class, a pool of manual prompts (added or pinned) mixed into the batches,
/// and a ban list whose prompts are penalised and never distilled. Commands are validated against the task's
/// labels and the prompt limits, so an absurd prompt is refused with a reason instead of reaching the models.
/// </summary>
public sealed class PromptSteering
{
    public const int MaximumPromptCharacters = 200;
    private readonly IReadOnlyList<string> labels;
    private readonly Func<string, int> countTokens;
    private readonly int maximumTokens;
    private readonly Dictionary<int, List<ManualPrompt>> pools = new();
    private readonly Dictionary<int, HashSet<string>> banned = new();

    public PromptSteering(IReadOnlyList<string> labels, Func<string, int> countTokens, int maximumTokens)
    {
        this.labels = labels;
        this.countTokens = countTokens;
        this.maximumTokens = maximumTokens;
    }

    /// <summary>
    /// Steering for prompts that a prior continues with <paramref name="contentTokens"/> tokens: a prompt may use the
    /// rest of the prior's context but one position (the start token). Runs, their validators and the playground all
    /// check prompts through this, so they agree on what fits.
    /// </summary>
    public static PromptSteering ForPrior(IReadOnlyList<string> labels, Text.ITextTokenizer tokenizer, int contextLength,
        int contentTokens) =>
        new(labels, text => tokenizer.Encode(text).Count, contextLength - contentTokens - 1);

    /// <summary>The state recorded commands lead to, without checking them again (they were checked when given).</summary>
    public static PromptSteering Replay(IReadOnlyList<string> labels, IEnumerable<SteeringCommand> commands)
    {
        var steering = new PromptSteering(labels, _ => 0, int.MaxValue);
        foreach (SteeringCommand command in commands)
        {
            try { steering.Apply(command); }
            catch (ArgumentException) { }
        }
        return steering;
    }

    public IReadOnlyList<ManualPrompt> Manual(int label) => pools.TryGetValue(label, out var pool) ? pool : [];
    public IReadOnlyCollection<string> Banned(int label) => banned.TryGetValue(label, out var set) ? set : [];

    public bool IsBanned(int label, string prompt) => banned.TryGetValue(label, out var set) && set.Contains(Normalize(prompt));

    /// <summary>Applies a command or throws <see cref="ArgumentException"/> saying what is wrong with it.</summary>
    public void Apply(SteeringCommand command)
    {
        int label = labels.ToList().IndexOf(command.Class);
        if (label < 0) throw new ArgumentException($"Unknown class '{command.Class}'; the task's classes are {string.Join(", ", labels)}.");
        string prompt = Check(command.Prompt, "Prompt");
        var pool = pools.TryGetValue(label, out var existing) ? existing : pools[label] = [];
        int index = pool.FindIndex(p => Normalize(p.Text) == Normalize(prompt));
        switch (command.Action)
        {
            case SteeringAction.Add:
                if (index < 0) pool.Add(new ManualPrompt(prompt, false));
                Unban(label, prompt);
                break;
            case SteeringAction.Pin:
                if (index < 0) pool.Add(new ManualPrompt(prompt, true)); else pool[index] = pool[index] with { Pinned = true };
                Unban(label, prompt);
                break;
            case SteeringAction.Unpin:
                if (index >= 0) pool[index] = pool[index] with { Pinned = false };
                break;
            case SteeringAction.Remove:
                if (index >= 0) pool.RemoveAt(index);
                break;
            case SteeringAction.Ban:
                if (index >= 0) pool.RemoveAt(index);
                (banned.TryGetValue(label, out var set) ? set : banned[label] =
                    new HashSet<string>(StringComparer.Ordinal)).Add(Normalize(prompt));
                break;
            case SteeringAction.Unban:
                Unban(label, prompt);
                break;
            case SteeringAction.Edit:
                string replacement = Check(command.NewPrompt, "NewPrompt");
                bool pinned = index >= 0 && pool[index].Pinned;
                if (index >= 0) pool.RemoveAt(index);
                // Editing a prompt the prompter wrote means: stop using it, use the corrected one instead.
                else (banned.TryGetValue(label, out var bannedSet) ? bannedSet : banned[label] =
                    new HashSet<string>(StringComparer.Ordinal)).Add(Normalize(prompt));
                pool.Add(new ManualPrompt(replacement, pinned));
                Unban(label, replacement);
                break;
            default:
                throw new ArgumentException($"Unknown steering action {command.Action}.");
        }
    }

    /// <summary>Everything the steering holds, as commands that rebuild it (for checkpoints).</summary>
    public IReadOnlyList<SteeringCommand> Snapshot() =>
        pools.SelectMany(p => p.Value.Select(m => new SteeringCommand(m.Pinned ? SteeringAction.Pin : SteeringAction.Add, labels[p.Key],
            m.Text)))
            .Concat(banned.SelectMany(b => b.Value.Select(text => new SteeringCommand(SteeringAction.Ban, labels[b.Key], text))))
            .ToList();

    private void Unban(int label, string prompt)
    {
        if (banned.TryGetValue(label, out var set)) set.Remove(Normalize(prompt));
    }

    private string Check(string? prompt, string field)
    {
        string text = (prompt ?? "").Trim();
        if (text.Length == 0) throw new ArgumentException($"{field} is empty; type the words the class's samples should start with.");
        if (text.Length > MaximumPromptCharacters) throw new ArgumentException($"{field} has {text.Length} characters; a topic prompt is " +
            $"at most {MaximumPromptCharacters}.");
        if (text.Any(c => char.IsControl(c))) throw new ArgumentException($"{field} contains control characters (e.g. new lines); use a " +
            $"single line of text.");
        int tokens = countTokens(text);
        if (tokens > maximumTokens) throw new ArgumentException($"{field} is {tokens} tokens long; at most {maximumTokens} fit before " +
            $"the content.");
        return text;
    }

    public static string Normalize(string prompt) => string.Join(' ', prompt.Split((char[]?)null,
        StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
}
