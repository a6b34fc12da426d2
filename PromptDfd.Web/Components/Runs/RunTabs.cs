namespace PromptDfd.Web.Components.Runs;

/// <summary>The run page's tabs as they appear in its link (?tab=samples); the first tab is the page without the
/// parameter.</summary>
public static class RunTabs
{
    public static readonly string[] Names = ["charts", "samples", "prompts", "events", "config"];

    /// <summary>The tab a link names; an unknown or missing name opens the first.</summary>
    public static int IndexOf(string? name) => Math.Max(0, Array.IndexOf(Names, name ?? Names[0]));

    /// <summary>The link value for a selected tab, or false for an index that names no tab: MudTabs reports such indices
    /// while its panels are being disposed (leaving the page), and they must not change the link or throw.</summary>
    public static bool TryLinkValue(int index, out string? value)
    {
        value = null;
        if (index < 0 || index >= Names.Length) return false;
        value = index == 0 ? null : Names[index];
        return true;
    }
}
