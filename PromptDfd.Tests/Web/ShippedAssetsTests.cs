using Microsoft.Extensions.Options;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Services;

namespace PromptDfd.Tests.Web;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class ShippedAssetsTests
{
    private static void SaveTask(string root, string name)
    {
        var examples = Enumerable.Range(0, 10).Select(i => new LabeledExample($"text {name} {i}", i % 2 == 0 ? "a" : "b")).ToList();
        new TaskDataset
        {
            Info = new TaskInfo { Name = name, Labels = ["a", "b"], Description = "fixture" },
            Splits = new DatasetSplits(examples.Take(6).ToList(), examples.Skip(6).Take(2).ToList(), examples.Skip(8).ToList()),
        }.Save(Path.Combine(root, "data", "tasks", name));
    }

    [Fact]
    public void TheDefaultTaskIsSentimentWhenReadableElseTheFirstReadableTask()
    {
        using var repository = new TemporaryFolder();
        var assets = new ShippedAssets(Options.Create(new DashboardOptions { RepositoryRoot = repository.Path }));
        Assert.Null(assets.DefaultTask());

        SaveTask(repository.Path, "zebra");
        SaveTask(repository.Path, "mail");
        Directory.CreateDirectory(Path.Combine(repository.Path, "data", "tasks", "broken"));
        Assert.Equal("mail", assets.DefaultTask());

        SaveTask(repository.Path, "sentiment");
        Assert.Equal("sentiment", assets.DefaultTask());
    }

    [Fact]
    public void RunsCanPickAnyLanguageModelAsPriorAndAnyClassifierAsTeacherUnderTheModelsFolder()
    {
        using var environment = new TinyRunEnvironment();
        string downloaded = Path.Combine(environment.Root, "models", "hf", "bert-sentiment");
        Directory.CreateDirectory(downloaded);
        HuggingFaceFixtures.WriteBert(downloaded, labels: ["negative", "positive"]);
        string distilBase = Path.Combine(environment.Root, "models", "hf", "distilbert-base");
        Directory.CreateDirectory(distilBase);
        HuggingFaceFixtures.WriteDistilBert(distilBase, head: HuggingFaceFixtures.DistilBertHead.MaskedLanguageModel);
        string distilSentiment = Path.Combine(environment.Root, "models", "hf", "distilbert-sentiment");
        Directory.CreateDirectory(distilSentiment);
        HuggingFaceFixtures.WriteDistilBert(distilSentiment);
        string roberta = Path.Combine(environment.Root, "models", "hf", "roberta-sentiment");
        Directory.CreateDirectory(roberta);
        HuggingFaceFixtures.WriteRoberta(roberta);
        string electraBase = Path.Combine(environment.Root, "models", "hf", "electra-discriminator");
        Directory.CreateDirectory(electraBase);
        HuggingFaceFixtures.WriteElectra(electraBase, head: HuggingFaceFixtures.ElectraHead.Discriminator);
        var assets = new ShippedAssets(Options.Create(new DashboardOptions { RepositoryRoot = environment.Root }));

        Assert.Equal(["models/prior", "models/student-body"], assets.PriorChoices());
        Assert.Equal(["models/hf/bert-sentiment", "models/hf/distilbert-sentiment", "models/hf/roberta-sentiment",
            $"models/teachers/{TinyRunEnvironment.TaskName}"], assets.TeacherChoices());
        Assert.Equal(["prior", "student-body", "hf/bert-sentiment", "hf/distilbert-base", "hf/distilbert-sentiment", "hf/electra-discriminator",
            "hf/roberta-sentiment"], assets.TeacherBases().Select(m => m.Name));
        Assert.Equal(32, assets.PriorConfig("models/prior")?.ContextLength);
        // A download has no card.md of ours; the model card it came with stands in.
        File.WriteAllText(Path.Combine(roberta, "README.md"), "---\nlicense: mit\n---\n# roberta-sentiment\n");
        Assert.Equal("---\nlicense: mit\n---\n# roberta-sentiment\n", assets.Models().Single(m => m.Name == "hf/roberta-sentiment").Card);
        Assert.Null(assets.PriorConfig("models/hf/bert-sentiment"));
    }

    [Fact]
    public async Task ATeacherJobFineTunesTheChosenBertCheckpointIntoTheTasksTeacher()
    {
        using var environment = new TinyRunEnvironment();
        string encoder = Path.Combine(environment.Root, "models", "hf", "bert");
        Directory.CreateDirectory(encoder);
        HuggingFaceFixtures.WriteBert(encoder, labels: ["x", "y", "z"]);
        using var torch = new Engine.Infrastructure.TorchJobQueue();
        var jobs = new TeacherJobs(Options.Create(new DashboardOptions { RepositoryRoot = environment.Root }), torch);

        TeacherJob job = jobs.Train(TinyRunEnvironment.TaskName, new Engine.Training.ClassifierTrainingConfig { Epochs = 1, BatchSize = 2 },
            replaceExisting: true, baseFolder: encoder);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (job.Status == TeacherJobStatus.Running && DateTime.UtcNow < deadline) await Task.Delay(50);

        Assert.True(job.Status == TeacherJobStatus.Completed, job.Error);
        var teacher = Engine.Models.Checkpoint.LoadClassifier(jobs.TeacherFolder(TinyRunEnvironment.TaskName));
        Assert.IsType<Engine.Models.BertClassifier>(teacher.Module);
        Assert.Equal(TinyRunEnvironment.Labels, teacher.Labels);
    }
}
