using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Cli.Commands;

public static class GenerateCommand
{
    public static int Run(CommandArguments arguments)
    {
        string folder = arguments.String("model", Repository.Workspace.Prior);
        string prompt = arguments.String("prompt", "The");
        int count = arguments.Int("n", 4);
        if (count < 1) throw new UsageException($"--n must be at least 1 (got {count}).");
        var sampling = new SamplingConfig
        {
            MaxNewTokens = arguments.Int("tokens", 40),
            Temperature = arguments.Double("temperature", 1.0),
            TopK = arguments.Int("top-k", 0),
            TopP = arguments.Double("top-p", 0.95),
        };
        long seed = arguments.Long("seed", 42);
        Device device = TorchRuntime.ResolveDevice(arguments.String("device", "auto"));
        arguments.RejectUnknown();
        LoadedLanguageModel loaded = Checkpoint.LoadLanguageModel(folder, device);
        var ids = loaded.Tokenizer.Encode(prompt);
        if (ids.Count == 0) throw new UsageException("--prompt encodes to no tokens; give some text.");
        var batch = Generation.Generate(loaded.Model, Enumerable.Repeat(ids, count).ToList(), sampling,
            loaded.Tokenizer.EndOfTextId, loaded.Tokenizer.PaddingId, new Generator((ulong)seed));
        foreach (long[] tokens in batch.Tokens) Console.WriteLine($"[{prompt}]{loaded.Tokenizer.Decode(tokens.Select(t => (int)t))}\n");
        return 0;
    }
}
