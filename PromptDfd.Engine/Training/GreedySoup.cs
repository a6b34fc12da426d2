namespace PromptDfd.Engine.Training;

/// <summary>One step of a greedy soup: the member tried, the soup's score with it, and whether it stayed.</summary>
public sealed record SoupTrial(int Member, double MemberScore, double SoupScore, bool Kept);

/// <summary>
/// Greedy soup selection (Wortsman et al., 2022, "Model soups"): take members in order of their own dev score, starting
/// from the best, and keep each one only if the averaged weights score at least as well on dev with it as without it.
/// The soup is therefore never worse on dev than its best member. Knows nothing about tensors: the caller scores a set.
/// </summary>
public static class GreedySoup
{
    public static IReadOnlyList<SoupTrial> Choose(IReadOnlyList<double> memberScores, Func<IReadOnlyList<int>, double> soupScore)
    {
        if (memberScores.Count == 0) throw new ArgumentException("A soup needs at least one member.", nameof(memberScores));
        var order = Enumerable.Range(0, memberScores.Count).OrderByDescending(i => memberScores[i]).ThenBy(i => i).ToList();
        var kept = new List<int> { order[0] };
        double best = memberScores[order[0]];
        var trials = new List<SoupTrial> { new(order[0], best, best, Kept: true) };
        foreach (int member in order.Skip(1))
        {
            double score = soupScore([.. kept, member]);
            bool keep = score >= best;
            if (keep) { kept.Add(member); best = score; }
            trials.Add(new SoupTrial(member, memberScores[member], score, keep));
        }
        return trials;
    }
}
