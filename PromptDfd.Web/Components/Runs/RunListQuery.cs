using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;

namespace PromptDfd.Web.Components.Runs;

/// <summary>
/// The Runs page's filters and sort as its URL carries them; the page and its CSV/JSON download links read the same
/// parameters through this, so a download holds exactly the runs the page shows (all pages of them).
/// </summary>
public static class RunListQuery
{
    public static RunQuery From(Func<string, string?> parameter)
    {
        string? Text(string key) => parameter(key) is { Length: > 0 } value ? value : null;
        return new RunQuery
        {
            Status = Enum.TryParse<RunStatus>(Text("status"), out var status) ? status : null,
            Method = Text("method"),
            Task = Text("task"),
            Tag = Text("tag"),
            ConfigFilter = Text("config"),
            Text = Text("q"),
            // The table shows percentages, so the filter takes one too.
            MinimumAccuracy = QueryValue.Double(Text("min")) / 100,
            StarredOnly = QueryValue.Bool(Text("starred")) ?? false,
            SortBy = Text("sort") ?? nameof(RunRecord.CreatedAt),
            Descending = QueryValue.Bool(Text("desc")) ?? true,
        };
    }
}
