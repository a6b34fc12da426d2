using System.Text.Json.Nodes;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cli;

[Trait(TestCategory.Name, TestCategory.Slow)]
public class EvaluateCommandTests
{
    [Fact]
    public async Task PredictionsHoldEveryTextsProbabilitiesAndAgreeWithTheScore()
    {
        using var environment = new TinyRunEnvironment();
        File.WriteAllText(Path.Combine(environment.Root, RepositoryRoot.Marker), "");
        string output = Path.Combine(environment.Root, "scratch", "predictions.jsonl");

        var (exitCode, error) = await CommandLine.RunAsync(environment.Root, "evaluate", "--task", TinyRunEnvironment.TaskName, "--split",
            "test",
            "--model", Path.Combine("models", "teachers", TinyRunEnvironment.TaskName), "--predictions", output);

        Assert.True(exitCode == 0, error);
        var task = environment.Task;
        var rows = File.ReadAllLines(output).Select(line => JsonNode.Parse(line)!).ToList();
        Assert.Equal(task.Splits.Test.Select(e => e.Text), rows.Select(r => r["text"]!.GetValue<string>()));
        Assert.Equal(task.Splits.Test.Select(e => e.Label), rows.Select(r => r["label"]!.GetValue<string>()));
        foreach (JsonNode row in rows)
        {
            var probabilities = row["probabilities"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<double>());
            Assert.Equal(TinyRunEnvironment.Labels, probabilities.Keys);
            Assert.Equal(1.0, probabilities.Values.Sum(), 4);
            Assert.Equal(probabilities.MaxBy(p => p.Value).Key, row["predicted"]!.GetValue<string>());
        }
        var teacher = Checkpoint.LoadClassifier(Path.Combine(environment.Root, "models", "teachers", TinyRunEnvironment.TaskName));
        double accuracy = ClassifierInference.Score(teacher.Module, new TextBatcher(teacher.Tokenizer, teacher.Classifier.ContextLength),
            task, task.Splits.Test).Accuracy;
        Assert.Equal(accuracy, rows.Count(r => r["predicted"]!.GetValue<string>() == r["label"]!.GetValue<string>()) / (double)rows.Count,
            6);
    }
}
