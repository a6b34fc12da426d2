// Photographs a page of a running dashboard once its charts have drawn, for the README:
//   dotnet run --project PromptDfd.Web            (with the run in its store; or Dashboard__StoreFile=<file>)
//   dotnet run --project tools/screenshot -- http://127.0.0.1:5080/runs/<run id> docs/images/run-page.png
using Microsoft.Playwright;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run --project tools/screenshot -- <page url> <output.png>");
    return 2;
}
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    // Debian's chromium where it is installed; else the browser Playwright installs.
    ExecutablePath = File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null,
    Args = ["--no-sandbox"],
});
IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1400 } });
await page.GotoAsync(args[0]);
// The charts draw once the interactive circuit is up and the stored points are plotted.
await page.WaitForSelectorAsync("#chart-accuracy .main-svg", new PageWaitForSelectorOptions { Timeout = 60_000 });
await page.WaitForTimeoutAsync(1500);
await page.ScreenshotAsync(new PageScreenshotOptions { Path = args[1], FullPage = false });
Console.WriteLine($"wrote {args[1]}");
return 0;
