using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PromptDfd.Cli.Arguments;
using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Training;
using TorchSharp;

namespace PromptDfd.Cli.Commands;

/// <summary>
/// Shows which words the teacher reads as each class (the words PromptDFD's prompter starts from), and, with
/// --probe, how often the prior's continuations of each prompt template are labelled as the intended class: a
/// data-free check (no real text is read) of which prompt form carries the class into the content.
/// </summary>
public sealed class MinePromptsCommand : CliCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly TaskOptions task = new();
    private readonly Option<string?> teacher = CliOptions.Text("--teacher", "the teacher checkpoint (default: the task's teacher)");
    private readonly Option<string> prior = CliOptions.Text("--prior", "the language prior", Repository.Workspace.Prior);
    private readonly Option<int> words = CliOptions.Whole("--words", "topic words to show per class", new PromptMiningConfig().WordsPerClass,
        minimum: 1);
    private readonly Option<string[]> probes = CliOptions.Repeated("--probe", "a prompt form to measure, with {0} for the topic word, " +
        "e.g. \"It was {0}.\"; repeat for several");
    private readonly Option<int> samples = CliOptions.Whole("--samples", "continuations per class and probe", 8, minimum: 1);
    private readonly Option<string?> output = CliOptions.Text("--out", "also write the mined prompts as JSON to this file");
    private readonly ComputeOptions compute = new(defaultDevice: "cpu");

    public MinePromptsCommand() : base("mine-prompts", "show the words the teacher reads as each class (the prompter's starting topics); " +
        "--probe measures how often the prior's continuations of a prompt form keep the class") =>
        AddOptions([.. task.All, teacher, prior, words, probes, samples, output, .. compute.All]);

    protected override int Run(ParseResult parsed)
    {
        var (taskName, taskFolder) = this.task.Read(parsed);
        string teacherFolder = parsed.GetValue(this.teacher) ?? Repository.Workspace.Teacher(taskName);
        string priorFolder = parsed.GetValue(this.prior)!;
        int words = parsed.GetValue(this.words), samples = parsed.GetValue(this.samples);
        var probes = parsed.GetValue(this.probes)!;
        string output = parsed.GetValue(this.output) ?? "";
        var device = compute.Apply(parsed);

        TaskInfo task = TaskDataset.LoadInfo(taskFolder);
        LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(priorFolder, device);
        LoadedClassifier teacher = Checkpoint.LoadClassifier(teacherFolder, device);
        var batcher = new TextBatcher(teacher.Tokenizer, teacher.Classifier.ContextLength);
        float[][] Classify(IReadOnlyList<string> texts) => ClassifierInference.Probabilities(teacher.Module, batcher, texts);
        var config = new PromptMiningConfig { WordsPerClass = words };
        var mined = TopicWordMiner.Mine(prior.Tokenizer, task.Labels.Count, Classify, config);
        for (int c = 0; c < task.Labels.Count; c++)
            Console.WriteLine($"{task.Labels[c],-14} " +
                $"{string.Join(", ", mined[c].Select(m => FormattableString.Invariant($"{m.Word} ({m.Margin:F1})")))}");
        if (output.Length > 0)
        {
            File.WriteAllText(output, JsonSerializer.Serialize(TopicWordMiner.Prompts(task.Labels, mined, config), Indented));
            Console.WriteLine($"prompts -> {output}");
        }

        var sampling = new SamplingConfig { Temperature = 1.0, TopP = 0.95, MaxNewTokens = 32 };
        foreach (string template in probes)
        {
            var probeConfig = config with { PromptTemplates = [template] };
            probeConfig.Validate();
            var prompts = TopicWordMiner.Prompts(task.Labels, mined, probeConfig);
            var rows = prompts.SelectMany(p => p.Value.Take(samples).Select(text =>
                (Class: task.Labels.ToList().IndexOf(p.Key), Text: text))).ToList();
            var contexts = rows.Select(r =>
                (IReadOnlyList<int>)prior.Tokenizer.Encode(r.Text).Prepend(prior.Tokenizer.EndOfTextId).ToArray()).ToList();
            var generated = Generation.Generate(prior.Model, contexts, sampling, prior.Tokenizer.EndOfTextId, prior.Tokenizer.PaddingId,
                new torch.Generator(1));
            var contents = generated.Tokens.Select(t => prior.Tokenizer.Decode(t.Select(x => (int)x))).ToList();
            float[][] onContent = Classify(contents);
            float[][] onSample = Classify(rows.Select((r, i) => r.Text + contents[i]).ToList());
            double contentAgreement = rows.Select((r, i) => ArgMax(onContent[i]) == r.Class ? 1.0 : 0).Average();
            double sampleAgreement = rows.Select((r, i) => ArgMax(onSample[i]) == r.Class ? 1.0 : 0).Average();
            double intended = rows.Select((r, i) => (double)onContent[i][r.Class]).Average();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"template \"{template}\": intended class on content {contentAgreement:P1} (mean probability {intended:F3}), on prompt + " +
                    $"content {sampleAgreement:P1}, {rows.Count} samples"));
            Console.WriteLine($"  e.g. [{rows[0].Text}]{contents[0].ReplaceLineEndings(" ")}");
        }
        return 0;
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
