using System.Runtime.CompilerServices;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Tests.Support;

internal static class TorchProcessSetup
{
    // libtorch reads its huge-page switch at the first allocation, so the test process sets it before any test
    // runs, as the command line and the dashboard do at start-up.
#pragma warning disable CA2255 // a test assembly is the process's entry point here, which is what module initialisers are for
    [ModuleInitializer]
    internal static void EnableHugePageTensors() => TorchRuntime.EnableHugePageTensors();
#pragma warning restore CA2255
}
