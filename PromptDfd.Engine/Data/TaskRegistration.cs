using System.Globalization;
using PromptDfd.Engine.Infrastructure;
namespace PromptDfd.Engine.Data;

/// <summary>How a user's file becomes a task: its columns, its own test (and dev) file if it has one, the shares split
/// off otherwise, and names for numeric labels.</summary>
public sealed record RegistrationOptions
{
    public string TextColumn { get; init; } = "text";
    public string LabelColumn { get; init; } = "label";
    /// <summary>A file of the same layout whose texts are the test split; null splits test off the main file.</summary>
    public string? TestFile { get; init; }
    public string? DevFile { get; init; }
    public double DevFraction { get; init; } = 0.1;
    public double TestFraction { get; init; } = 0.1;
    /// <summary>Names for labels as they appear in the file, e.g. 0 → negative.</summary>
    public IReadOnlyDictionary<string, string> LabelNames { get; init; } = new Dictionary<string, string>();

    /// <summary>Parses "0=negative,1=positive".</summary>
    public static IReadOnlyDictionary<string, string> ParseLabelNames(string text)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new ArgumentException($"Label names look like 0=negative,1=positive (got '{pair}').");
            names[parts[0]] = parts[1];
        }
        return names;
    }
}

/// <summary>A task built from a user's file, with what the user should know about it but that does not stop it.</summary>
public sealed record Registration(TaskDataset Task, IReadOnlyList<string> Warnings);

/// <summary>Builds a task from a user's file: reads and validates it, deduplicates and splits it (stratified by label).</summary>
public static class TaskRegistration
{
    /// <summary>Fewer texts than this in dev or test give accuracies too coarse to compare methods by.</summary>
    public const int MinimumEvaluationTexts = 20;

    public static TaskDataset Register(string file, string name, string textColumn = "text", string labelColumn = "label") =>
        Register(file, name, new RegistrationOptions { TextColumn = textColumn, LabelColumn = labelColumn }).Task;

    public static Registration Register(string file, string name, RegistrationOptions options)
    {
        if (TaskNames.Problem(name) is string problem) throw new ArgumentException($"{problem}.");
        List<LabeledExample> Read(string path) => Named(DatasetFileReader.Read(path, options.TextColumn, options.LabelColumn), path,
            options.LabelNames);
        List<LabeledExample> examples = Read(file);
        if (examples.Count == 0) throw new InvalidDataException($"'{file}' holds no examples.");
        List<LabeledExample>? test = options.TestFile is null ? null : Read(options.TestFile);
        List<LabeledExample>? dev = options.DevFile is null ? null : Read(options.DevFile);
        var labels = examples.Select(e => e.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2)
            throw new InvalidDataException($"'{file}' has only one class ('{labels[0]}'); a classifier needs examples of at least two " +
                $"classes.");
        var warnings = new List<string>();
        foreach (var alike in labels.GroupBy(l => l.ToLowerInvariant()).Where(g => g.Count() > 1))
            warnings.Add($"labels {string.Join(" and ", alike.Select(l => $"'{l}'"))} differ only in case and are separate classes; " +
                $"if they are one class, write them alike in the file.");

        // A text that is also in a held-out file is dropped from training: the teacher must not have seen a test text.
        var heldOut = (test ?? []).Concat(dev ?? []).Select(e => TextCleaning.DeduplicationKey(e.Text)).ToHashSet(StringComparer.Ordinal);
        int overlapping = examples.Count(e => heldOut.Contains(TextCleaning.DeduplicationKey(e.Text)));
        if (overlapping > 0) warnings.Add($"{overlapping} texts of '{file}' are also in the dev or test file and were left out of training.");
        var unique = Unique(examples.Where(e => !heldOut.Contains(TextCleaning.DeduplicationKey(e.Text))));
        DatasetSplits split = DatasetSplitter.SplitStratified(unique, DatasetSplitter.SplitSeed,
            dev is null ? options.DevFraction : 0, test is null ? options.TestFraction : 0);
        var splits = new DatasetSplits(split.Train, dev is null ? split.Dev : Unique(dev), test is null ? split.Test : Unique(test));
        RequireEnoughToEvaluate(splits, file, options);

        var info = new TaskInfo
        {
            Name = name,
            Labels = labels,
            Source = string.Join(", ", new[] { file, options.DevFile, options.TestFile }.OfType<string>().Select(Path.GetFileName)),
            Licence = "provided by the user",
            Description = $"Registered from {Path.GetFileName(file)}" + (test is null
                ? string.Create(CultureInfo.InvariantCulture,
                    $"; split stratified by label: {1 - options.DevFraction - options.TestFraction:P0} train, {options.DevFraction:P0} " +
                        $"dev, {options.TestFraction:P0} test.")
                : $"; test texts from {Path.GetFileName(options.TestFile)}" +
                    (dev is null ? "." : $", dev texts from {Path.GetFileName(options.DevFile)}.")),
        };
        var dataset = new TaskDataset { Info = info, Splits = splits };
        DatasetValidator.Validate(dataset);
        return new Registration(dataset, warnings);
    }

    /// <summary>
    /// Registers the file as a new task folder. An existing task is never overwritten (a shipped task's texts are what
    /// its teacher and every run on it were made from), and a save that fails half-way leaves no half-written task.
    /// </summary>
    public static TaskDataset RegisterInto(string folder, string file, string name, string textColumn = "text", string labelColumn =
        "label") => RegisterInto(folder, file, name, new RegistrationOptions { TextColumn = textColumn, LabelColumn = labelColumn }).Task;

    public static Registration RegisterInto(string folder, string file, string name, RegistrationOptions options)
    {
        if (TaskNames.Problem(name) is string problem) throw new ArgumentException($"{problem}.");
        if (Directory.Exists(folder))
            throw new ArgumentException($"A task named '{name}' already exists ({folder}); pick another name, or delete that folder " +
                $"first to replace it.");
        Registration registration = Register(file, name, options);
        AtomicFolder.Replace(folder, staging => registration.Task.Save(staging));
        return registration with { Task = TaskDataset.Load(folder) };
    }

    private static List<LabeledExample> Unique(IEnumerable<LabeledExample> examples) =>
        examples.GroupBy(e => TextCleaning.DeduplicationKey(e.Text)).Select(g => g.First()).ToList();

    /// <summary>Numeric labels would reach prompts and charts as "0" and "1": they need names.</summary>
    private static List<LabeledExample> Named(List<LabeledExample> examples, string file, IReadOnlyDictionary<string, string> names)
    {
        if (names.Count > 0)
        {
            var unnamed = examples.Select(e => e.Label).Where(l => !names.ContainsKey(l)).Distinct().Order(StringComparer.Ordinal).ToList();
            if (unnamed.Count > 0)
                throw new ArgumentException($"'{file}' has labels without a name: {string.Join(", ", unnamed)}; add them to the label " +
                    $"names (e.g. {string.Join(",", unnamed.Select(l => $"{l}=..."))}).");
            return examples.Select(e => e with { Label = names[e.Label] }).ToList();
        }
        var labels = examples.Select(e => e.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        if (labels.Count > 0 && labels.All(l => l.All(char.IsDigit)))
            throw new ArgumentException($"'{file}' has numeric labels ({string.Join(", ", labels.Take(6))}); give them names, which " +
                $"prompts, samples and charts show: --label-names {string.Join(",", labels.Take(6).Select(l => $"{l}=<name>"))} (on the " +
                    $"dashboard: the Label names field).");
        return examples;
    }

    private static void RequireEnoughToEvaluate(DatasetSplits splits, string file, RegistrationOptions options)
    {
        foreach (var (split, count, fraction) in new[] { ("dev", splits.Dev.Count, options.DevFraction),
                     ("test", splits.Test.Count, options.TestFraction) })
            if (count < MinimumEvaluationTexts)
                throw new InvalidDataException($"The {split} split of '{file}' would hold {count} texts; at least " +
                    $"{MinimumEvaluationTexts} are needed to measure accuracy. Provide more data, a larger share " +
                        $"(--{split}-fraction, now {fraction.ToString(CultureInfo.InvariantCulture)}) or a --{split}-file.");
    }
}
