using System.Globalization;
using System.Text.Json.Nodes;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <param name="Folder">where the member teacher is stored</param>
/// <param name="Dev">the member's own dev scores</param>
public sealed record SoupMember(string Folder, ClassificationScores Dev, double SoupDevAccuracy, bool Kept);

public sealed record TeacherSoupResult(ClassificationScores Dev, BaselineComparison OnTest, IReadOnlyList<SoupMember> Members,
    string Folder);

/// <summary>
/// Makes one teacher from several fine-tuned from the same prior (different seeds or recipes) by averaging their weights,
/// keeping a member only if the average does not lose dev accuracy with it (<see cref="GreedySoup"/>). The result has the
/// members' architecture, so it costs no more to query than one of them. Scores it and Naive Bayes on test and saves it.
/// </summary>
public static class TeacherSoup
{
    public static TeacherSoupResult Make(TaskDataset task, IReadOnlyList<string> memberFolders, string output, Device device,
        Action<string> log,
        bool half = false, string? commandLine = null)
    {
        if (memberFolders.Count < 2)
            throw new ArgumentException($"A soup needs at least two teachers (got {memberFolders.Count}); pass their folders, e.g. " +
                $"--teachers a,b,c.");
        string outputPath = Path.GetFullPath(output);
        if (memberFolders.Any(f => Path.GetFullPath(f) == outputPath))
            throw new ArgumentException($"The soup would overwrite its member '{output}'; choose another --out.");
        var started = DateTime.UtcNow;
        var members = new List<LoadedClassifier>();
        GptClassifier? soupModule = null;
        try
        {
            foreach (string folder in memberFolders) members.Add(Checkpoint.LoadClassifier(folder, device));
            string priorHash = CheckCompatible(task, members);
            var first = (GptClassifier)members[0].Module;
            var batcher = new TextBatcher(members[0].Tokenizer, first.ContextLength);
            var dev = task.Splits.Dev;
            var memberDev = members.Select(m => ClassifierInference.Score(m.Module, batcher, task, dev)).ToList();
            for (int i = 0; i < members.Count; i++) log($"member {members[i].Folder}: dev {memberDev[i]}");

            // The soup is evaluated in a fresh copy of the first member, so members keep their own weights while being averaged.
            soupModule = (GptClassifier)Checkpoint.LoadClassifier(members[0].Folder, device).Module;
            var trials = GreedySoup.Choose(memberDev.Select(d => d.Accuracy).ToList(), chosen =>
            {
                Load(soupModule, chosen.Select(i => members[i].Module).ToList());
                var scores = ClassifierInference.Score(soupModule, batcher, task, dev);
                log($"soup of {string.Join(" + ", chosen.Select(i => Path.GetFileName(members[i].Folder)))}: dev {scores}");
                return scores.Accuracy;
            });
            var kept = trials.Where(t => t.Kept).Select(t => t.Member).ToList();
            Load(soupModule, kept.Select(i => members[i].Module).ToList());
            var soupDev = ClassifierInference.Score(soupModule, batcher, task, dev);
            var soupMembers = trials.Select(t => new SoupMember(members[t.Member].Folder, memberDev[t.Member], t.SoupScore,
                t.Kept)).ToList();

            var onTest = BaselineComparison.On(soupModule, batcher, task, task.Splits.Test, NaiveBayesBaseline.TrainedOn(task));
            log($"soup of {kept.Count} of {members.Count} teachers on {task.Name} test: {onTest.Classifier} (dev {soupDev}); Naive " +
                $"Bayes: {onTest.NaiveBayes}; {onTest.Paired}");

            var card = new ModelCard
            {
                Title = TeacherCard.Title(task),
                Summary = TeacherCard.Summary(task, soupModule.Pooling,
                    $"whose weights are the mean of {kept.Count} teachers fine-tuned from the same prior on the task's training split (a " +
                        $"greedy soup of {members.Count})."),
                Facts =
                [
                    .. TeacherCard.Architecture(soupModule),
                    ("initialised from", $"the prior with sha256 {priorHash[..16]}… (every member)"),
                    ("labels", string.Join(", ", task.Labels)),
                    ("soup", "members in order of dev accuracy, each kept only if the mean of the kept weights does not lose dev " +
                        "accuracy with it"),
                    .. soupMembers.Select(m => ("member", Describe(m))),
                    TeacherCard.Evaluation(batcher),
                    .. TrainingProvenance.Rows(DateTime.UtcNow - started, "for the soup"),
                ],
                Metrics = [.. TeacherCard.Scores(onTest, soupDev)],
                Commands =
                [
                    .. members.SelectMany(m => ModelCard.ReadCommands(ReadCard(m.Folder)).Select(c => WithOutput(c, m.Folder))),
                    commandLine ?? CommandFor(task, memberFolders, output, half),
                ],
                Hashes =
                [
                    ("task data (task.json + splits)", task.Sha256()),
                    (TeacherCard.PriorHashName, priorHash),
                    .. members.Select(m => ($"member {m.Folder}", m.WeightsSha256)),
                ],
            };
            var training = new JsonObject
            {
                ["task"] = task.Name,
                ["soup_members"] = new JsonArray([.. members.Select(m => (JsonNode?)m.Folder)]),
                ["soup_kept"] = new JsonArray([.. kept.Select(i => (JsonNode?)members[i].Folder)]),
                ["dev_accuracy"] = soupDev.Accuracy,
                ["test_accuracy"] = onTest.Classifier.Accuracy,
                ["test_macro_f1"] = onTest.Classifier.MacroF1,
                ["naive_bayes_test_accuracy"] = onTest.NaiveBayes.Accuracy,
                ["prior_sha256"] = priorHash,
            };
            Checkpoint.SaveClassifier(output, soupModule, task.Labels, members[0].Folder, card, training, half);
            log($"saved teacher -> {output}");
            return new TeacherSoupResult(soupDev, onTest, soupMembers, output);
        }
        finally
        {
            foreach (var member in members) member.Module.Dispose();
            soupModule?.Dispose();
        }
    }

    public static string CommandFor(TaskDataset task, IReadOnlyList<string> memberFolders, string output, bool half) =>
        $"dotnet run --project PromptDfd.Cli -c Release -- soup-teachers --task {task.Name} --teachers {string.Join(',', memberFolders)} " +
            $"--out {output}" + (half ? " --precision f16" : "");

    /// <summary>Averaging weights name by name is only meaningful for one architecture, one label order and one starting point.</summary>
    private static string CheckCompatible(TaskDataset task, IReadOnlyList<LoadedClassifier> members)
    {
        var first = members[0];
        if (first.Module is not GptClassifier firstGpt)
            throw new InvalidDataException($"'{first.Folder}' is not a GPT-body teacher; soups are made of teachers fine-tuned from our " +
                $"prior.");
        var shapes = Shapes(first.Module);
        string? priorHash = PriorHash(first.Folder);
        foreach (var member in members)
        {
            if (!member.Labels.SequenceEqual(task.Labels))
                throw new InvalidDataException($"'{member.Folder}' predicts [{string.Join(", ", member.Labels)}] but task '{task.Name}' " +
                    $"has [{string.Join(", ", task.Labels)}]; every member must be a teacher for this task.");
            if (member.Module is not GptClassifier gpt || gpt.Config != firstGpt.Config || gpt.Pooling != firstGpt.Pooling
                || !Shapes(member.Module).SequenceEqual(shapes))
                throw new InvalidDataException($"'{member.Folder}' does not have the architecture of '{first.Folder}'; a soup averages " +
                    $"weights name by name, so every member must have the same layers, width, pooling and classes.");
            string? hash = PriorHash(member.Folder);
            if (hash is null)
                throw new InvalidDataException($"'{member.Folder}' does not say which prior it was fine-tuned from (no " +
                    $"'{TeacherCard.PriorHashName}' hash in its card.md or prior_sha256 in its config.json); retrain it with " +
                        $"train-teacher.");
            if (hash != priorHash)
                throw new InvalidDataException($"'{member.Folder}' was fine-tuned from prior {hash[..12]}, '{first.Folder}' from " +
                    $"{priorHash?[..12]}; weights fine-tuned from different priors do not average into a working model.");
        }
        return priorHash!;
    }

    private static List<string> Shapes(nn.Module module) =>
        module.state_dict().Select(p => $"{p.Key}:{string.Join('x', p.Value.shape)}").ToList();

    private static string? PriorHash(string folder)
    {
        string? fromConfig = Checkpoint.ReadConfig(folder)[Checkpoint.OwnSection]?["training"]?["prior_sha256"]?.GetValue<string>();
        return fromConfig ?? ModelCard.ReadHash(ReadCard(folder), TeacherCard.PriorHashName);
    }

    private static string ReadCard(string folder)
    {
        string path = Path.Combine(folder, Checkpoint.CardFile);
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    /// <summary>A member's training command, made to write where the soup command reads it.</summary>
    private static string WithOutput(string command, string folder) =>
        command.Contains(" train-teacher ", StringComparison.Ordinal) && !command.Contains(" --out ", StringComparison.Ordinal)
            ? $"{command} --out {folder}" : command;

    private static void Load(GptClassifier target, IReadOnlyList<nn.Module> sources)
    {
        Dictionary<string, Tensor>? mean = null;
        for (int i = 0; i < sources.Count; i++) mean = WeightAveraging.AddToMean(mean, sources[i], i + 1);
        target.load_state_dict(mean!);
        WeightAveraging.Dispose(mean);
    }

    private static string Describe(SoupMember member) =>
        FormattableString.Invariant($"{member.Folder}: dev accuracy {member.Dev.Accuracy.ToString("P1", CultureInfo.InvariantCulture)}; ")
        + (member.Kept ? "kept" : "left out")
            + FormattableString.Invariant($" (soup dev with it {member.SoupDevAccuracy.ToString("P1", CultureInfo.InvariantCulture)})");
}
