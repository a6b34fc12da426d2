using System.Text.RegularExpressions;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cli;

/// <summary>What a user sees who asks the command line for help, or mistypes an option.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed partial class CommandHelpTests : IDisposable
{
    private readonly TemporaryFolder repository = new();

    public CommandHelpTests() => File.WriteAllText(Path.Combine(repository.Path, RepositoryRoot.Marker), "");

    [Fact]
    public async Task EveryCommandHasHelpThatDescribesEachOfItsOptions()
    {
        var (exitCode, output) = await RunForOutputAsync("--help");
        Assert.Equal(0, exitCode);
        var commands = Section(output, "Commands:").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]).ToList();
        Assert.Contains("run", commands);
        Assert.Contains("register", commands);

        var undescribed = new List<string>();
        foreach (string command in commands)
        {
            var (helpExit, help) = await RunForOutputAsync(command, "--help");
            Assert.True(helpExit == 0, $"{command} --help exited with {helpExit}");
            var options = Section(help, "Options:").ToList();
            Assert.True(options.Count >= 2, $"{command} --help lists no options of its own:\n{help}");
            // An option's line is its name and value placeholder, two or more spaces, then what it does.
            undescribed.AddRange(options.Where(line => !DescribedOption().IsMatch(line)).Select(line => $"{command}: {line.Trim()}"));
        }
        Assert.True(undescribed.Count == 0, "options without a description:\n" + string.Join("\n", undescribed));
    }

    [Fact]
    public async Task AMistypedOptionIsRefusedByNameWithAPointerToHelp()
    {
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "runs", "--tkae", "3");

        Assert.Equal(2, exitCode);
        Assert.Contains("'--tkae'", error);
        Assert.Contains("promptdfd runs --help", error);
    }

    [Fact]
    public async Task AValueOfTheWrongTypeIsAUsageErrorNotACrash()
    {
        var (exitCode, error) = await CommandLine.RunAsync(repository.Path, "runs", "--take", "many");

        Assert.Equal(2, exitCode);
        Assert.Contains("many", error);
        Assert.DoesNotContain("   at ", error);
    }

    private async Task<(int ExitCode, string Output)> RunForOutputAsync(params string[] arguments)
    {
        using var process = CommandLine.Start(repository.Path, arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await error;
        return (process.ExitCode, await output);
    }

    /// <summary>The indented lines under a heading of the help text, up to the next blank line.</summary>
    private static IEnumerable<string> Section(string help, string heading) => help.ReplaceLineEndings("\n").Split('\n')
        .SkipWhile(line => line.Trim() != heading).Skip(1).TakeWhile(line => line.Trim().Length > 0);

    [GeneratedRegex(@"^\s+\S.*?\S\s{2,}\S")]
    private static partial Regex DescribedOption();

    public void Dispose() => repository.Dispose();
}
