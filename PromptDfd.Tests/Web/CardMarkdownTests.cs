using PromptDfd.Tests.Support;
using PromptDfd.Web.Components.Cards;

namespace PromptDfd.Tests.Web;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class CardMarkdownTests
{
    [Fact]
    public void ACardsHeadingsTablesAndCodeRenderAsHtml()
    {
        string html = CardMarkdown.ToHtml("# Teacher\n\n| metric | value |\n|---|---|\n| accuracy | 83.1 % |\n\n`train-teacher --task x`");

        Assert.Contains("<h1>Teacher</h1>", html);
        Assert.Contains("<td>accuracy</td>", html);
        Assert.Contains("<code>train-teacher --task x</code>", html);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "<script")]
    [InlineData("<img src=x onerror=alert(1)>", "<img")]
    [InlineData("text <b onclick=\"x()\">bold</b>", "<b ")]
    public void RawHtmlInACardStaysText(string markdown, string mustNotAppear)
    {
        string html = CardMarkdown.ToHtml(markdown);

        Assert.DoesNotContain(mustNotAppear, html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;", html);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JavaScript:alert(1))")]
    [InlineData("[click]( data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("[click](vbscript:msgbox)")]
    public void ALinkToAScriptOrDataTargetLosesItsTarget(string markdown)
    {
        string html = CardMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("script:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void WebRelativeAndMailLinksStayAndImagesBecomeLinksThatFetchNothing()
    {
        string html = CardMarkdown.ToHtml("[paper](https://arxiv.org/abs/1) [notes](docs/method.md) [me](mailto:a@b.c) " +
            "![tracker](https://example.com/pixel.png)");

        Assert.Contains("href=\"https://arxiv.org/abs/1\"", html);
        Assert.Contains("href=\"docs/method.md\"", html);
        Assert.Contains("href=\"mailto:a@b.c\"", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains(">tracker</a>", html);
    }
}
