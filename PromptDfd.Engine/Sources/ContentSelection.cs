using PromptDfd.Engine.Method;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Sources;

/// <summary>
/// Best-of-N content (<see cref="SelectionConfig"/>): of the contents the prior wrote for one prompt, keeps the one the
/// teacher reads most surely as the intended class. The content is read without its prompt, so a prompt cannot carry
/// the class by itself, and as written and lower-cased, taking the lower of the two, so a surface form the teacher
/// over-reads (upper case) wins nothing the words do not.
/// </summary>
public static class ContentSelection
{
    /// <param name="candidates">contents grouped by prompt: <paramref name="perPrompt"/> consecutive rows per prompt</param>
    /// <param name="classes">the intended class of each prompt</param>
    public static int[][] Best(IReadOnlyList<int[]> candidates, IReadOnlyList<int> classes, int perPrompt, SampleReader reader)
    {
        if (candidates.Count != classes.Count * perPrompt)
            throw new ArgumentException($"{candidates.Count} candidates for {classes.Count} prompts of {perPrompt} each.");
        double[] asWritten = IntendedLogProbability(reader.TeacherLogits(candidates), classes, perPrompt);
        double[] lowerCased = IntendedLogProbability(reader.TeacherLogits(candidates.Select(reader.LowerCased).ToList()), classes,
            perPrompt);
        var chosen = new int[classes.Count][];
        for (int prompt = 0; prompt < classes.Count; prompt++)
        {
            int best = prompt * perPrompt;
            for (int row = best + 1; row < (prompt + 1) * perPrompt; row++)
                if (Math.Min(asWritten[row], lowerCased[row]) > Math.Min(asWritten[best], lowerCased[best])) best = row;
            chosen[prompt] = candidates[best];
        }
        return chosen;
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
