namespace PromptDfd.Tests.Support;

/// <summary>
/// The three kinds of test, as xunit traits: <c>dotnet test --filter Category=Fast</c> runs the quick unit tests alone;
/// the README's <c>dotnet test PromptDfd.sln</c> runs all three.
/// </summary>
public static class TestCategory
{
    public const string Name = "Category";
    /// <summary>In-process unit tests of one component, each well under a few seconds.</summary>
    public const string Fast = "Fast";
    /// <summary>Real runs, real LiteDB files, real Kestrel servers and child processes, shipped models.</summary>
    public const string Slow = "Slow";
    /// <summary>The dashboard in a real Chromium through Playwright.</summary>
    public const string Browser = "Browser";
}
