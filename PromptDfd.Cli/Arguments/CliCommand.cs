using System.CommandLine;

namespace PromptDfd.Cli.Arguments;

/// <summary>A command of <c>promptdfd</c>: its typed options are fields, declared once, and <see cref="Run"/> reads them from
/// the parse result.</summary>
public abstract class CliCommand : Command
{
    protected CliCommand(string name, string description) : base(name, description) => SetAction(Run);

    /// <returns>the process exit code: 0 for success, 1 for a failed run or bad input, 2 for a usage error</returns>
    protected abstract int Run(ParseResult parsed);

    protected void AddOptions(params IEnumerable<Option> options)
    {
        foreach (Option option in options) Options.Add(option);
    }
}
