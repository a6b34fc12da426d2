using System.CommandLine;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Cli.Commands;

public sealed class GenerateCommand : CliCommand
{
    private readonly Option<string> model = CliOptions.Text("--model", "a language model checkpoint folder", Repository.Workspace.Prior);
    private readonly Option<string> prompt = CliOptions.Text("--prompt", "the text to continue", "The");
    private readonly Option<int> count = CliOptions.Whole("--n", "how many continuations", 4, minimum: 1);
    private readonly Option<int> tokens = CliOptions.Whole("--tokens", "new tokens per continuation", 40, minimum: 1);
    private readonly Option<double> temperature = CliOptions.Number("--temperature", "sampling temperature", 1.0);
    private readonly Option<int> topK = CliOptions.Whole("--top-k", "sample from the k likeliest tokens; 0 for no limit", 0, minimum: 0);
    private readonly Option<double> topP = CliOptions.Number("--top-p", "nucleus sampling: the likeliest tokens up to this probability",
        0.95);
    private readonly Option<long> seed = CliOptions.Long("--seed", "the sampling seed", 42);
    private readonly Option<string> device = CliOptions.Device();

    public GenerateCommand() : base("generate", "sample continuations of a prompt from a language model checkpoint") =>
        AddOptions(model, prompt, count, tokens, temperature, topK, topP, seed, device);

    protected override int Run(ParseResult parsed)
    {
        string folder = parsed.GetValue(model)!, prompt = parsed.GetValue(this.prompt)!;
        int count = parsed.GetValue(this.count);
        var sampling = new SamplingConfig
        {
            MaxNewTokens = parsed.GetValue(tokens),
            Temperature = parsed.GetValue(temperature),
            TopK = parsed.GetValue(topK),
            TopP = parsed.GetValue(topP),
        };
        long seed = parsed.GetValue(this.seed);
        Device device = TorchRuntime.ResolveDevice(parsed.GetValue(this.device)!);
        LoadedLanguageModel loaded = Checkpoint.LoadLanguageModel(folder, device);
        var ids = loaded.Tokenizer.Encode(prompt);
        if (ids.Count == 0) throw new UsageException("--prompt encodes to no tokens; give some text.");
        var batch = Generation.Generate(loaded.Model, Enumerable.Repeat(ids, count).ToList(), sampling,
            loaded.Tokenizer.EndOfTextId, loaded.Tokenizer.PaddingId, new Generator((ulong)seed));
        foreach (long[] tokens in batch.Tokens) Console.WriteLine($"[{prompt}]{loaded.Tokenizer.Decode(tokens.Select(t => (int)t))}\n");
        return 0;
    }
}
