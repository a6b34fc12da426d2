using PromptDfd.Cli.Arguments;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Cli.Commands;

public static class InfoCommand
{
    public static int Run(CommandArguments arguments)
    {
        string device = arguments.String("device", "auto");
        arguments.RejectUnknown();
        Console.WriteLine(TorchRuntime.Describe());
        Console.WriteLine($"device: {TorchRuntime.ResolveDevice(device)}");
        return 0;
    }
}
