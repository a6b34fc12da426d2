using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Web.Components.Runs;

public static class RunLabels
{
    /// <summary>
    /// A label per run for legends and column heads: its name, with its id added where another run in the list has
    /// the same name (a re-run of one config and seed is named alike, and those are the runs one compares).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Distinct(IReadOnlyList<RunRecord> runs)
    {
        var shared = runs.GroupBy(r => r.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        return runs.ToDictionary(r => r.Id, r => shared.Contains(r.Name) ? $"{r.Name} · {r.Id}" : r.Name);
    }
}
