using System.Globalization;
using System.Text;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Store;

namespace PromptDfd.Engine.Runs;

/// <summary>Reference numbers of real task text, so synthetic text can be judged against it.</summary>
public sealed record RealTextQuality(string Task, double Perplexity, double SelfBleu, double Distinct2);

/// <summary>
/// The paper-style results table from finished runs: rows = teacher and each preset, columns = tasks, cells =
/// mean ± std of the final student test accuracy over seeds; then synthesis quality per preset and the targets.
/// </summary>
public static class ResultsTable
{
    public static string Render(RunStore store, IReadOnlyList<RunRecord> runs, IReadOnlyList<string> tasks, IReadOnlyList<string> presets,
        IReadOnlyList<RealTextQuality> real, string command, string baseConfigJson, bool projectTargets = true, string split = "test")
    {
        var text = new StringBuilder();
        text.Append("# Results\n\n");
        text.Append($"Written by the `experiment` command. A cell is the student's accuracy on the task's real **{split}** split at the end " +
            $"of a run — the mean of its last {ReportedAccuracy.Evaluations} evaluations, because a single evaluation of a student trained on " +
                $"synthetic text swings by several points — then mean ± std over seeds. ");
        text.Append("Hyper-parameters were not tuned on test. Every run is in the run store with its full config, seed, code version and " +
            "hashes.\n\n");
        text.Append($"```\n{command}\n```\n\n");
        text.Append($"Runs: {runs.Count}; seeds: {string.Join(", ", runs.Select(r => r.Seed).Distinct().Order())}; code: " +
            $"{string.Join(", ", runs.Select(r => r.CodeVersion).Distinct())}.\n\n");
        // Which weights a table measured matters as much as which code: a retrained prior or teacher changes every cell.
        text.Append($"Models (SHA-256 of the weights, first 12 hex digits): prior {ShortHashes(runs, "prior")}; teachers: " +
            $"{string.Join(", ", tasks.Select(t => $"{t} {ShortHashes(runs.Where(r => r.Task == t), "teacher")}"))}.\n\n");

        text.Append($"## Student accuracy ({split})\n\n| method | " + string.Join(" | ", tasks)
            + " |\n|---|" + string.Concat(tasks.Select(_ => "---|")) + "\n");
        text.Append("| teacher | " + string.Join(" | ", tasks.Select(t => Format(runs.Where(r => r.Task == t
            && r.TeacherAccuracy is not null).Select(r => r.TeacherAccuracy!.Value).Take(1).ToList()))) + " |\n");
        foreach (string preset in presets)
            text.Append($"| {preset} | " + string.Join(" | ", tasks.Select(t => Format(Final(store, runs, t, preset)))) + " |\n");

        text.Append("\n## Synthetic samples (last evaluation window)\n\n");
        text.Append("| task | method | teacher confidence | class balance | distinct-2 | self-BLEU | perplexity under the prior | " +
            "minutes per run |\n|---|---|---|---|---|---|---|---|\n");
        foreach (string task in tasks)
        {
            RealTextQuality? reference = real.FirstOrDefault(r => r.Task == task);
            if (reference is not null)
                text.Append(string.Create(CultureInfo.InvariantCulture,
                    $"| {task} | *real test text* | | | {reference.Distinct2:F3} | {reference.SelfBleu:F3} | {reference.Perplexity:F1} | " +
                        $"|\n"));
            foreach (string preset in presets)
            {
                var group = runs.Where(r => r.Task == task && r.Preset == preset && r.Status == RunStatus.Completed).ToList();
                if (group.Count == 0) continue;
                string Metric(string name, string format) => Format(group.Select(r => LastMetric(store, r.Id, name)).Where(v =>
                    !double.IsNaN(v)).ToList(), format, percent: false);
                text.Append($"| {task} | {preset} | {Metric(MetricNames.TeacherConfidence, "F3")} | " +
                    $"{Metric(MetricNames.ClassBalance, "F3")} | {Metric(MetricNames.Distinct2, "F3")} | " +
                            $"{Metric(MetricNames.SelfBleu, "F3")} | {Metric(MetricNames.Perplexity, "F1")} | " +
                                $"{Format(group.Select(r => r.SecondsRunning / 60).ToList(), "F1", percent: false)} |\n");
            }
        }

        // The project's own targets are about its shipped tasks; a user's table is theirs to judge.
        if (projectTargets)
        {
            text.Append("\n## Targets (issue 4)\n\n");
            foreach (string line in Targets(store, runs, tasks, real)) text.Append($"- {line}\n");
        }
        text.Append($"\n## Base config\n\nEach row applies its preset to this config and sets the " +
            $"seed.\n\n```json\n{baseConfigJson}\n```\n");
        return text.ToString();
    }

    private static string ShortHashes(IEnumerable<RunRecord> runs, string input)
    {
        var hashes = runs.Select(r => r.Hashes.GetValueOrDefault(input)).OfType<string>().Distinct().Select(h =>
            $"`{h[..Math.Min(12, h.Length)]}`").ToList();
        return hashes.Count == 0 ? "not recorded" : string.Join(" and ", hashes);
    }

    private static IEnumerable<string> Targets(RunStore store, IReadOnlyList<RunRecord> runs, IReadOnlyList<string> tasks,
        IReadOnlyList<RealTextQuality> real)
    {
        double Mean(string task, string preset) => Final(store, runs, task, preset) is { Count: > 0 } v ? v.Average() : double.NaN;
        int withinKd = 0;
        foreach (string task in tasks)
        {
            double prompt = Mean(task, "promptdfd");
            if (double.IsNaN(prompt)) continue;
            double kd = Mean(task, "data-driven-kd");
            if (prompt >= kd - 0.03) withinKd++;
            yield return Check($"{task}: PromptDFD ≥ random text + 10", prompt, Mean(task, "random-text") + 0.10);
            yield return Check($"{task}: PromptDFD ≥ AS-DFD-style + 5", prompt, Mean(task, "as-dfd") + 0.05);
            yield return Check($"{task}: PromptDFD ≥ fixed prompts + 2", prompt, Mean(task, "fixed-prompts") + 0.02);
            yield return Check($"{task}: PromptDFD within 3 of data-driven KD", prompt, kd - 0.03);
            var promptRuns = runs.Where(r => r.Task == task && r.Preset == "promptdfd" && r.Status == RunStatus.Completed).ToList();
            double confidence = promptRuns.Select(r => LastMetric(store, r.Id,
                MetricNames.TeacherConfidence)).DefaultIfEmpty(double.NaN).Average();
            yield return Check($"{task}: PromptDFD samples' mean teacher confidence ≥ 0.9", confidence, 0.9, percent: false);
            double perplexity = promptRuns.Select(r => LastMetric(store, r.Id,
                MetricNames.Perplexity)).DefaultIfEmpty(double.NaN).Average();
            double realPerplexity = real.FirstOrDefault(r => r.Task == task)?.Perplexity ?? double.NaN;
            yield return Check($"{task}: PromptDFD perplexity ≤ 2 × real text", -perplexity, -2 * realPerplexity, percent: false,
                shown: perplexity);
            double selfBleu = promptRuns.Select(r => LastMetric(store, r.Id, MetricNames.SelfBleu)).DefaultIfEmpty(double.NaN).Average();
            double fixedSelfBleu = runs.Where(r => r.Task == task && r.Preset == "fixed-prompts" && r.Status == RunStatus.Completed)
                .Select(r => LastMetric(store, r.Id, MetricNames.SelfBleu)).DefaultIfEmpty(double.NaN).Average();
            yield return Check($"{task}: PromptDFD self-BLEU < fixed prompts", -selfBleu, -fixedSelfBleu + 1e-12, percent: false,
                shown: selfBleu);
        }
        yield return $"PromptDFD within 3 points of data-driven KD on {withinKd} of {tasks.Count} tasks (target: at least 2): " +
            $"{(withinKd >= 2 ? "**met**" : "**missed**")}";
    }

    private static string Check(string name, double value, double threshold, bool percent = true, double? shown = null)
    {
        if (double.IsNaN(value) || double.IsNaN(threshold)) return $"{name}: not measured";
        string Show(double v) => percent ? v.ToString("P1", CultureInfo.InvariantCulture) : v.ToString("F3", CultureInfo.InvariantCulture);
        bool met = value >= threshold;
        string margin = percent ? FormattableString.Invariant($" ({Math.Round((value - threshold) * 100, 1) + 0.0:+0.0;-0.0;+0.0} points)")
            : "";
        return $"{name}: {Show(shown ?? value)}, needed {Show(percent ? threshold : Math.Abs(threshold))}{margin} — " +
            $"{(met ? "**met**" : "**missed**")}";
    }


    public static List<double> Final(RunStore store, IReadOnlyList<RunRecord> runs, string task, string preset) =>
        runs.Where(r => r.Task == task && r.Preset == preset && r.Status == RunStatus.Completed)
            .Select(r => FinalAccuracy(store, r.Id)).Where(v => !double.IsNaN(v)).ToList();

    /// <summary>A run's reported accuracy, read from its evaluations (never the best one: that would select on test).</summary>
    public static double FinalAccuracy(RunStore store, string runId) =>
        ReportedAccuracy.Of(store.Metrics(runId, MetricNames.StudentAccuracy)) ?? double.NaN;

    private static double LastMetric(RunStore store, string runId, string name) => store.Metrics(runId, name) is { Count: > 0 } points
        ? points[^1].Value : double.NaN;

    private static string Format(IReadOnlyList<double> values, string format = "F1", bool percent = true)
    {
        if (values.Count == 0) return "—";
        double scale = percent ? 100 : 1;
        double mean = values.Average() * scale;
        double std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v * scale - mean) * (v * scale - mean)) / (values.Count - 1));
        return values.Count < 2 ? mean.ToString(format, CultureInfo.InvariantCulture)
            : $"{mean.ToString(format, CultureInfo.InvariantCulture)} ± {std.ToString(format, CultureInfo.InvariantCulture)}";
    }
}
