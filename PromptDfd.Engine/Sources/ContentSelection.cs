using PromptDfd.Engine.Method;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Sources;

/// <summary>
/// Best-of-N content (<see cref="SelectionConfig"/>): of the contents the prior wrote for one prompt, keeps the one the
/// teacher reads most surely as the intended class. The content is read without its prompt, so a prompt cannot carry
/// the class by itself, and as written and lower-cased, taking the lower of the two, so a surface form the teacher
/// over-reads (upper case) wins nothing the words do not. A disagreement weight adds the student–teacher KL on the sample
/// as it will be distilled, so among contents of the class the ones the student still misreads are kept.
/// </summary>
public static class ContentSelection
{
    /// <param name="candidates">contents grouped by prompt: <paramref name="perPrompt"/> consecutive rows per prompt</param>
    /// <param name="classes">the intended class of each prompt</param>
    /// <param name="prompts">each prompt, needed only when <paramref name="disagreementWeight"/> is above 0</param>
    public static int[][] Best(IReadOnlyList<int[]> candidates, IReadOnlyList<int> classes, int perPrompt, SampleReader reader,
        IReadOnlyList<int[]>? prompts = null, double disagreementWeight = 0)
    {
        if (candidates.Count != classes.Count * perPrompt)
            throw new ArgumentException($"{candidates.Count} candidates for {classes.Count} prompts of {perPrompt} each.");
        if (disagreementWeight > 0 && prompts?.Count != classes.Count)
            throw new ArgumentException("Choosing by disagreement needs the prompt of every class.");
        double[] asWritten = IntendedLogProbability(reader.TeacherLogits(candidates), classes, perPrompt);
        double[] lowerCased = IntendedLogProbability(reader.TeacherLogits(candidates.Select(reader.LowerCased).ToList()), classes,
            perPrompt);
        double[] score = asWritten.Select((a, row) => Math.Min(a, lowerCased[row])).ToArray();
        if (disagreementWeight > 0)
        {
            var samples = candidates.Select((content, row) => prompts![row / perPrompt].Concat(content).ToArray()).ToList();
            double[] disagreement = Disagreement(reader.TeacherLogits(samples), reader.StudentLogits(samples));
            for (int row = 0; row < score.Length; row++) score[row] += disagreementWeight * disagreement[row];
        }
        var chosen = new int[classes.Count][];
        for (int prompt = 0; prompt < classes.Count; prompt++)
        {
            int best = prompt * perPrompt;
            for (int row = best + 1; row < (prompt + 1) * perPrompt; row++)
                if (score[row] > score[best]) best = row;
            chosen[prompt] = candidates[best];
        }
        return chosen;
    }

    /// <summary>KL(teacher ‖ student) per row, in nats.</summary>
    private static double[] Disagreement(Tensor teacherLogits, Tensor studentLogits)
    {
        using var scope = NewDisposeScope();
        Tensor teacher = teacherLogits.to_type(ScalarType.Float64).log_softmax(1);
        Tensor student = studentLogits.to_type(ScalarType.Float64).log_softmax(1);
        return (teacher.exp() * (teacher - student)).sum(1).cpu().data<double>().ToArray();
    }

    private static double[] IntendedLogProbability(Tensor logits, IReadOnlyList<int> classes, int perPrompt)
    {
        using var scope = NewDisposeScope();
        long[] intended = Enumerable.Range(0, (int)logits.shape[0]).Select(row => (long)classes[row / perPrompt]).ToArray();
        Tensor logProbability = logits.to_type(ScalarType.Float64).log_softmax(1)
            .gather(1, tensor(intended).to(logits.device).unsqueeze(1)).squeeze(1);
        return logProbability.cpu().data<double>().ToArray();
    }
}
