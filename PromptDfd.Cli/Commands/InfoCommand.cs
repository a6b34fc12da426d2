using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Cli.Commands;

public sealed class InfoCommand : CliCommand
{
    private readonly Option<string> device = CliOptions.Device();

    public InfoCommand() : base("info", "show libtorch, device and thread information") => AddOptions(device);

    protected override int Run(ParseResult parsed)
    {
        Console.WriteLine(TorchRuntime.Describe());
        Console.WriteLine($"device: {TorchRuntime.ResolveDevice(parsed.GetValue(device)!)}");
        return 0;
    }
}
