using PromptDfd.Engine.Data;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Training;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class TeacherSoupTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();
    private static readonly ClassifierTrainingConfig Quick = new() { Epochs = 2, BatchSize = 2, LearningRate = 3e-3, Dropout = 0 };

    public void Dispose() => environment.Dispose();

    private TaskDataset Task => environment.Task;
    private string Folder(string name) => Path.Combine(environment.Root, "teachers", name);

    private string TrainMember(string name, long seed, string? prior = null)
    {
        TeacherTraining.Train(Task, prior ?? Path.Combine(environment.Root, "models", "prior"), Folder(name), Quick with { Seed = seed },
            CPU, _ => { });
        return Folder(name);
    }

    private TeacherSoupResult Soup(params string[] members) => TeacherSoup.Make(Task, members, Folder("soup"), CPU, _ => { });

    [Fact]
    public void GreedySoupTriesMembersBestFirstAndKeepsOnlyThoseThatDoNotLoseDevAccuracy()
    {
        var soupScores = new Dictionary<string, double> { ["1,2"] = 0.79, ["1,0"] = 0.81 };
        var trials = GreedySoup.Choose([0.6, 0.8, 0.7], chosen => soupScores[string.Join(',', chosen)]);

        Assert.Equal([1, 2, 0], trials.Select(t => t.Member));
        Assert.Equal([true, false, true], trials.Select(t => t.Kept));
        Assert.Equal([0.8, 0.79, 0.81], trials.Select(t => t.SoupScore));
    }

    [Fact]
    public void TheSoupHoldsTheMeanOfTheKeptMembersWeightsAndItsCardRecreatesEveryMember()
    {
        string first = TrainMember("seed-40", 40), second = TrainMember("seed-41", 41);
        var result = Soup(first, second);

        Assert.True(result.Dev.Accuracy >= result.Members.Max(m => m.Dev.Accuracy));
        // The modules stay referenced while their state is read: a collected module disposes its tensors.
        var keptModules = result.Members.Where(m => m.Kept).Select(m => Checkpoint.LoadClassifier(m.Folder).Module).ToList();
        var soup = Checkpoint.LoadClassifier(Folder("soup"));
        foreach (var (name, value) in soup.Module.state_dict().Where(p => p.Value.is_floating_point()))
        {
            Tensor mean = stack(keptModules.Select(k => k.state_dict()[name]).ToList()).mean([0]);
            Assert.True(value.allclose(mean, rtol: 1e-5, atol: 1e-6), $"{name} is not the mean of the kept members' {name}");
        }
        GC.KeepAlive(keptModules);

        string card = File.ReadAllText(Path.Combine(Folder("soup"), "card.md"));
        var commands = ModelCard.ReadCommands(card);
        Assert.Contains(commands, c => c.Contains("train-teacher --task tiny") && c.Contains("--seed 40") && c.EndsWith($"--out {first}"));
        Assert.Contains(commands, c => c.Contains("train-teacher --task tiny") && c.Contains("--seed 41") && c.EndsWith($"--out {second}"));
        Assert.EndsWith($"soup-teachers --task tiny --teachers {first},{second} --out {Folder("soup")}", commands[^1]);
        Assert.Equal(Checkpoint.WeightsSha256(first), ModelCard.ReadHash(card, $"member {first}"));
        Assert.Equal(Checkpoint.WeightsSha256(Path.Combine(environment.Root, "models", "prior")),
            ModelCard.ReadHash(card, TeacherCard.PriorHashName));
        Assert.Matches(@"\| against Naive Bayes on test \| only the teacher right on \d+ texts, only Naive Bayes on \d+; " +
            @"exact McNemar p = [01]\.\d{3} \|", card);
    }

    [Fact]
    public void TeachersFineTunedFromDifferentPriorsAreRefused()
    {
        string otherPrior = Path.Combine(environment.Root, "models", "other-prior");
        var prior = Checkpoint.LoadLanguageModel(Path.Combine(environment.Root, "models", "prior"));
        Checkpoint.SaveLanguageModel(otherPrior, TinyModels.LanguageModel(prior.Model.Config.VocabularySize, seed: 99),
            Path.Combine(environment.Root, "tokenizer"), new ModelCard { Title = "another tiny prior" });
        string first = TrainMember("ours", 40), second = TrainMember("theirs", 41, otherPrior);

        var error = Assert.Throws<InvalidDataException>(() => Soup(first, second));
        Assert.Contains("fine-tuned from different priors do not average", error.Message);
        Assert.False(Directory.Exists(Folder("soup")));
    }

    [Fact]
    public void ATeacherForAnotherLabelSetOrASingleTeacherIsRefused()
    {
        string first = TrainMember("ours", 40);
        string foreign = Folder("foreign");
        Checkpoint.SaveClassifier(foreign, new GptClassifier(Checkpoint.LoadClassifier(first).Module is GptClassifier g ? g.Config
            : throw new InvalidOperationException(), 3),
            ["a", "b", "c"], first, new ModelCard { Title = "three classes" });

        var labels = Assert.Throws<InvalidDataException>(() => Soup(first, foreign));
        Assert.Contains("predicts [a, b, c] but task 'tiny' has [negative, positive]", labels.Message);
        var single = Assert.Throws<ArgumentException>(() => Soup(first));
        Assert.Contains("A soup needs at least two teachers (got 1)", single.Message);
        var overwrite = Assert.Throws<ArgumentException>(() => TeacherSoup.Make(Task, [first, foreign], first, CPU, _ => { }));
        Assert.Contains("would overwrite its member", overwrite.Message);
    }
}
