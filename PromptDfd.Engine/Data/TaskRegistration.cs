using PromptDfd.Engine.Infrastructure;
namespace PromptDfd.Engine.Data;

/// <summary>Builds a task from a user's file: reads and validates it, deduplicates and splits it like the shipped tasks.</summary>
public static class TaskRegistration
{
    public static TaskDataset Register(string file, string name, string textColumn = "text", string labelColumn = "label")
    {
        if (name.Length == 0 || name.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_')))
            throw new ArgumentException($"Task name '{name}' must be non-empty and use only letters, digits, '-' and '_'.");
        List<LabeledExample> examples = DatasetFileReader.Read(file, textColumn, labelColumn);
        if (examples.Count == 0) throw new InvalidDataException($"'{file}' holds no examples.");
        var labels = examples.Select(e => e.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2)
            throw new InvalidDataException($"'{file}' has only one class ('{labels[0]}'); a classifier needs examples of at least two " +
                $"classes.");
        var unique = examples.GroupBy(e => TextCleaning.DeduplicationKey(e.Text)).Select(g => g.First()).ToList();
        var info = new TaskInfo
        {
            Name = name,
            Labels = labels,
            Source = Path.GetFileName(file),
            Licence = "provided by the user",
            Description = $"Registered from {Path.GetFileName(file)}."
        };
        var dataset = new TaskDataset { Info = info, Splits = DatasetSplitter.Split(unique, DatasetSplitter.SplitSeed) };
        DatasetValidator.Validate(dataset);
        return dataset;
    }

    /// <summary>
    /// Registers the file as a new task folder. An existing task is never overwritten (a shipped task's texts are what
    /// its teacher and every run on it were made from), and a save that fails half-way leaves no half-written task.
    /// </summary>
    public static TaskDataset RegisterInto(string folder, string file, string name, string textColumn = "text", string labelColumn =
        "label")
    {
        if (Directory.Exists(folder))
            throw new ArgumentException($"A task named '{name}' already exists ({folder}); pick another name, or delete that folder " +
                $"first to replace it.");
        TaskDataset task = Register(file, name, textColumn, labelColumn);
        Infrastructure.AtomicFolder.Replace(folder, staging => task.Save(staging));
        return TaskDataset.Load(folder);
    }
}
