using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace PromptDfd.Web.Components.Cards;

/// <summary>
/// Model and dataset cards as HTML. Cards come from model folders and uploads, which are not trusted (docs/security.md), so
/// raw HTML in them stays text, links keep only http, https, mailto or relative targets, and images become links (a card
/// must not make the browser fetch anything).
/// </summary>
public static class CardMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().DisableHtml().Build();

    public static string ToHtml(string markdown)
    {
        MarkdownDocument document = Markdown.Parse(markdown, Pipeline);
        foreach (LinkInline link in document.Descendants<LinkInline>())
        {
            link.IsImage = false;
            if (!IsSafe(link.Url)) link.Url = "";
        }
        foreach (AutolinkInline link in document.Descendants<AutolinkInline>())
            if (!IsSafe(link.Url)) link.Url = "";
        return document.ToHtml(Pipeline);
    }

    private static bool IsSafe(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return true;
        string trimmed = url.Trim();
        int colon = trimmed.IndexOf(':');
        int slash = trimmed.IndexOfAny(['/', '?', '#']);
        // No scheme: a relative link.
        if (colon < 0 || (slash >= 0 && slash < colon)) return true;
        string scheme = trimmed[..colon];
        return scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase)
            || scheme.Equals("mailto", StringComparison.OrdinalIgnoreCase);
    }
}
