namespace PromptDfd.Engine.Distillation;

/// <summary>A synthetic sample as the student learns from it: token ids and the teacher's logits on them.</summary>
public sealed record SyntheticSample(int[] Ids, float[] TeacherLogits);

/// <summary>A fixed-capacity ring of past samples; sampling uses the caller's seeded random source.</summary>
public sealed class ReplayBuffer(int capacity)
{
    private readonly List<SyntheticSample> items = new(Math.Min(capacity, 4096));
    private int next;

    public int Count => items.Count;

    public void Add(IEnumerable<SyntheticSample> samples)
    {
        if (capacity == 0) return;
        foreach (SyntheticSample sample in samples)
        {
            if (items.Count < capacity) items.Add(sample);
            else items[next] = sample;
            next = (next + 1) % capacity;
        }
    }

    public List<SyntheticSample> Sample(int count, Random random) =>
        items.Count == 0 ? [] : Enumerable.Range(0, count).Select(_ => items[random.Next(items.Count)]).ToList();

    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(items.Count);
        writer.Write(next);
        foreach (SyntheticSample sample in items)
        {
            writer.Write(sample.Ids.Length);
            foreach (int id in sample.Ids) writer.Write(id);
            writer.Write(sample.TeacherLogits.Length);
            foreach (float logit in sample.TeacherLogits) writer.Write(logit);
        }
    }

    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        try
        {
            int count = reader.ReadInt32();
            int position = reader.ReadInt32();
            if (count < 0 || count > capacity || position < 0 || (capacity > 0 && position >= capacity))
                throw new InvalidDataException($"'{path}' holds {count} samples at position {position}, which does not fit a replay " +
                    $"buffer of {capacity}.");
            items.Clear();
            for (int i = 0; i < count; i++)
            {
                int[] ids = new int[reader.ReadInt32()];
                for (int j = 0; j < ids.Length; j++) ids[j] = reader.ReadInt32();
                float[] logits = new float[reader.ReadInt32()];
                for (int j = 0; j < logits.Length; j++) logits[j] = reader.ReadSingle();
                items.Add(new SyntheticSample(ids, logits));
            }
            next = position;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' is truncated; the checkpoint is incomplete.");
        }
    }
}
