using System.Globalization;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>One recipe the search tried: what differed from the given recipe, its best dev accuracy and its time.</summary>
public sealed record TeacherCandidate(string Change, ClassifierTrainingConfig Config, double DevAccuracy, TimeSpan Took);

public sealed record TeacherSearchResult(TeacherTrainingResult Kept, TeacherCandidate KeptCandidate, IReadOnlyList<TeacherCandidate> Tried,
    IReadOnlyList<string> Skipped);

/// <summary>
/// A small recipe search for a new task's teacher: the given recipe and a few neighbours (the other pooling, half the
/// learning rate over one more epoch, no auxiliary language-model loss), each fine-tuned in full and judged on dev only;
/// the best is kept. Candidates start only while the time budget, estimated from the ones already run, allows.
/// </summary>
public static class TeacherRecipeSearch
{
    public static IReadOnlyList<(string Change, ClassifierTrainingConfig Config)> Candidates(ClassifierTrainingConfig given)
    {
        var other = given.Pooling == ClassifierPooling.LastToken ? ClassifierPooling.Mean : ClassifierPooling.LastToken;
        var candidates = new List<(string, ClassifierTrainingConfig)>
        {
            ("the given recipe", given),
            ($"pooling {other.Name()}", given with { Pooling = other }),
            (string.Create(CultureInfo.InvariantCulture, $"lr {given.LearningRate / 2:G3} over {given.Epochs + 1} epochs"),
                given with { LearningRate = given.LearningRate / 2, Epochs = given.Epochs + 1 }),
        };
        if (given.LanguageModelWeight > 0) candidates.Add(("no language-model loss", given with { LanguageModelWeight = 0 }));
        return candidates;
    }

    public static TeacherSearchResult Run(TaskDataset task, string priorFolder, string output, ClassifierTrainingConfig given,
        TimeSpan budget, Device device, Action<string> log, bool half = false)
    {
        var candidates = Candidates(given);
        string trials = output + ".search";
        AtomicFolder.Delete(trials);
        var tried = new List<TeacherCandidate>();
        var skipped = new List<string>();
        var results = new List<(TeacherTrainingResult Result, string Folder)>();
        var started = DateTime.UtcNow;
        try
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                var (change, config) = candidates[i];
                TimeSpan elapsed = DateTime.UtcNow - started;
                TimeSpan perCandidate = tried.Count == 0 ? TimeSpan.Zero : elapsed / tried.Count;
                if (tried.Count > 0 && elapsed + perCandidate > budget)
                {
                    skipped.Add(change);
                    log($"candidate {i + 1}/{candidates.Count} ({change}) skipped: it would end after the {Minutes(budget)} budget");
                    continue;
                }
                string eta = tried.Count == 0 ? "" : $"; about {Minutes(perCandidate * (candidates.Count - i))} to go";
                log($"candidate {i + 1}/{candidates.Count}: {change} ({Minutes(elapsed)} so far{eta})");
                string folder = Path.Combine(trials, i.ToString(CultureInfo.InvariantCulture));
                var candidateStarted = DateTime.UtcNow;
                TeacherTrainingResult result = TeacherTraining.Train(task, priorFolder, folder, config, device, line => log($"  {line}"), half);
                tried.Add(new TeacherCandidate(change, config, result.BestDev.Accuracy, DateTime.UtcNow - candidateStarted));
                results.Add((result, folder));
            }
            // Chosen on dev alone; ties keep the earlier candidate, the given recipe first.
            int best = Enumerable.Range(0, tried.Count).MaxBy(i => (tried[i].DevAccuracy, -i));
            log("recipe search on dev: " + string.Join("; ", tried.Select((c, i) =>
                string.Create(CultureInfo.InvariantCulture, $"{c.Change} {c.DevAccuracy:P1} ({Minutes(c.Took)}){(i == best ? " kept" : "")}"))));
            AtomicFolder.Replace(output, staging =>
            {
                foreach (string file in Directory.GetFiles(results[best].Folder))
                    File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
                File.AppendAllText(Path.Combine(staging, Checkpoint.CardFile), SearchSection(tried, skipped, best));
            });
            log($"saved teacher -> {output}");
            return new TeacherSearchResult(results[best].Result with { Folder = output }, tried[best], tried, skipped);
        }
        finally
        {
            AtomicFolder.Delete(trials);
        }
    }

    private static string SearchSection(IReadOnlyList<TeacherCandidate> tried, IReadOnlyList<string> skipped, int best)
    {
        var text = new System.Text.StringBuilder("\n## Recipe search\n\nEach candidate was fine-tuned in full and judged on dev only; ");
        text.Append("the one marked was kept.\n\n| candidate | best dev accuracy | minutes |\n|---|---|---|\n");
        for (int i = 0; i < tried.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"| {tried[i].Change}{(i == best ? " (kept)" : "")} | {tried[i].DevAccuracy:P1} | " +
                $"{tried[i].Took.TotalMinutes:F1} |\n");
        foreach (string change in skipped) text.Append(CultureInfo.InvariantCulture, $"| {change} | not run (time budget) | |\n");
        return text.ToString();
    }

    private static string Minutes(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalMinutes:F1} min");
}
