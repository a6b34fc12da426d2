namespace PromptDfd.Engine.Data;

/// <summary>Checks that a task can be trained and evaluated, with messages that say what to fix.</summary>
public static class DatasetValidator
{
    public static void Validate(TaskDataset dataset)
    {
        string where = dataset.Folder ?? dataset.Name;
        if (dataset.Splits.Train.Count == 0) throw new InvalidDataException($"Task '{where}' has no training examples.");
        if (dataset.Splits.Test.Count == 0) throw new InvalidDataException($"Task '{where}' has no test examples; evaluation needs a " +
            $"test split.");
        var trainLabels = dataset.Splits.Train.Select(e => e.Label).ToHashSet(StringComparer.Ordinal);
        if (trainLabels.Count < 2)
        {
            throw new InvalidDataException($"Task '{where}' has only one class ('{trainLabels.First()}') in its training split; a " +
                $"classifier needs at least two.");
        }
        var declared = dataset.Labels.ToHashSet(StringComparer.Ordinal);
        foreach (var (split, examples) in dataset.Named())
        {
            foreach (LabeledExample example in examples)
            {
                if (!declared.Contains(example.Label))
                    throw new InvalidDataException($"Task '{where}' {split} split has label '{example.Label}', which is not declared in " +
                        $"{TaskDataset.InfoFile} ({string.Join(", ", dataset.Labels)}).");
                if (split != "train" && !trainLabels.Contains(example.Label))
                    throw new InvalidDataException($"Task '{where}' {split} split has label '{example.Label}', which never occurs in " +
                        $"train; the model could not learn it. Add training examples of it or remove them.");
            }
        }
    }
}
