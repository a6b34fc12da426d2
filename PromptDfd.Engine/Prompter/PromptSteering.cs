using System.Text.Json.Serialization;
using PromptDfd.Engine.Method;

namespace PromptDfd.Engine.Prompter;

/// <summary>One manual prompt of a class and whether it is pinned (used in every step).</summary>
public sealed record ManualPrompt(string Text, bool Pinned);

/// <summary>
/// The user's hand on the prompter: per class, a pool of manual prompts (added or pinned) mixed into the batches,
/// and a ban list whose prompts are penalised and never distilled. Commands are checked by the task's
/// <see cref="PromptRules"/>, so an absurd prompt is refused with a reason instead of reaching the models. Banned prompts
/// match whatever their case and spacing, and are listed as the user wrote them.
/// </summary>
public sealed class PromptSteering
{
    private readonly PromptRules rules;
    private readonly Dictionary<int, List<ManualPrompt>> pools = new();
    private readonly Dictionary<int, Dictionary<string, string>> banned = new();

    public PromptSteering(PromptRules rules) => this.rules = rules;

    public PromptSteering(IReadOnlyList<string> labels, Func<string, int> countTokens, int maximumTokens)
        : this(new PromptRules(labels, countTokens, maximumTokens)) { }

    /// <summary>The state recorded commands lead to, without checking them again (they were checked when given).</summary>
    public static PromptSteering Replay(IReadOnlyList<string> labels, IEnumerable<SteeringCommand> commands)
    {
        var steering = new PromptSteering(PromptRules.Unchecked(labels));
        foreach (SteeringCommand command in commands)
        {
            try { steering.Apply(command); }
            catch (ArgumentException) { }
        }
        return steering;
    }

    public IReadOnlyList<ManualPrompt> Manual(int label) => pools.TryGetValue(label, out var pool) ? pool : [];
    public IReadOnlyCollection<string> Banned(int label) => banned.TryGetValue(label, out var set) ? set.Values : [];

    public bool IsBanned(int label, string prompt) => banned.TryGetValue(label, out var set) && set.ContainsKey(Normalize(prompt));

    /// <summary>Applies a command or throws <see cref="ArgumentException"/> saying what is wrong with it.</summary>
    public void Apply(SteeringCommand command)
    {
        CheckedCommand valid = rules.Check(command);
        int label = valid.Label;
        string prompt = valid.Prompt;
        var pool = pools.TryGetValue(label, out var existing) ? existing : pools[label] = [];
        int index = pool.FindIndex(p => Normalize(p.Text) == Normalize(prompt));
        switch (valid.Action)
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
                Ban(label, prompt);
                break;
            case SteeringAction.Unban:
                Unban(label, prompt);
                break;
            case SteeringAction.Edit:
                string replacement = valid.NewPrompt!;
                bool pinned = index >= 0 && pool[index].Pinned;
                if (index >= 0) pool.RemoveAt(index);
                // Editing a prompt the prompter wrote means: stop using it, use the corrected one instead.
                else Ban(label, prompt);
                pool.Add(new ManualPrompt(replacement, pinned));
                Unban(label, replacement);
                break;
        }
    }

    /// <summary>Everything the steering holds, as commands that rebuild it (for checkpoints).</summary>
    public IReadOnlyList<SteeringCommand> Snapshot() =>
        pools.SelectMany(p => p.Value.Select(m => new SteeringCommand(m.Pinned ? SteeringAction.Pin : SteeringAction.Add,
                rules.Labels[p.Key], m.Text)))
            .Concat(banned.SelectMany(b => b.Value.Values.Select(text => new SteeringCommand(SteeringAction.Ban, rules.Labels[b.Key], text))))
            .ToList();

    private void Ban(int label, string prompt)
    {
        var set = banned.TryGetValue(label, out var existing) ? existing : banned[label] = new Dictionary<string, string>(StringComparer.Ordinal);
        set.TryAdd(Normalize(prompt), prompt);
    }

    private void Unban(int label, string prompt)
    {
        if (banned.TryGetValue(label, out var set)) set.Remove(Normalize(prompt));
    }

    public static string Normalize(string prompt) => string.Join(' ', prompt.Split((char[]?)null,
        StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
}
