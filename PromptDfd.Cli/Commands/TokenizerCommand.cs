using System.CommandLine;
using System.Diagnostics;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Text;

namespace PromptDfd.Cli.Commands;

public sealed class TokenizerCommand : CliCommand
{
    private readonly Option<string> corpus = CliOptions.Text("--corpus", "the prior corpus's training file",
        Path.Combine(Repository.Workspace.PriorCorpus, PriorCorpus.TrainFile));
    private readonly Option<string> output = CliOptions.Text("--out", "the tokenizer folder to write", Repository.Workspace.Tokenizer);
    private readonly Option<int> vocabulary = CliOptions.Whole("--vocab", "tokens in the vocabulary, special tokens included", 8000);

    public TokenizerCommand() : base("tokenizer", "train the shared byte-level BPE on the prior corpus (models/tokenizer)") =>
        AddOptions(corpus, output, vocabulary);

    protected override int Run(ParseResult parsed)
    {
        string corpus = parsed.GetValue(this.corpus)!, output = parsed.GetValue(this.output)!;
        var config = new BpeTrainerConfig { VocabularySize = parsed.GetValue(this.vocabulary) };
        var clock = Stopwatch.StartNew();
        BpeVocabulary vocabulary = ByteLevelBpeTrainer.Train(PriorCorpus.Load(corpus).Select(d => d.Text), config);
        vocabulary.Save(output);
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(output);
        string sample = "The President said on Tuesday that the economy is growing.";
        Console.WriteLine($"trained {vocabulary.Tokens.Count} tokens ({vocabulary.Merges.Count} merges) in " +
            $"{clock.Elapsed.TotalSeconds:F1} s -> {output}");
        Console.WriteLine($"'{sample}' -> {tokenizer.Encode(sample).Count} tokens; corpus sha256 {FileHash.Sha256(corpus)}");
        File.WriteAllText(Path.Combine(output, "card.md"),
            $"# Tokenizer: byte-level BPE ({vocabulary.Tokens.Count:N0} tokens)\n\nShared by the language prior, the prompter, the " +
                $"teachers and the students, " +
            "so soft token embeddings (AS-DFD baseline) mean the same thing in every model.\n\n" +
            $"| | |\n|---|---|\n| corpus | `{Path.GetRelativePath(Repository.Workspace.Root, corpus)}` |\n| corpus sha256 | " +
                $"`{FileHash.Sha256(corpus)}` |\n" +
            $"| merges | {vocabulary.Merges.Count} |\n| special tokens | {string.Join(", ", config.SpecialTokens)} |\n| code version | " +
                $"{CodeVersion.OfRunningCode()} |\n\n" +
            "## Reproduce\n\n```bash\ndotnet run --project PromptDfd.Cli -c Release -- data\n" +
            $"dotnet run --project PromptDfd.Cli -c Release -- tokenizer --vocab {config.VocabularySize}\n```\n");
        return 0;
    }
}
