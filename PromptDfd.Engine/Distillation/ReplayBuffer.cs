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
}
