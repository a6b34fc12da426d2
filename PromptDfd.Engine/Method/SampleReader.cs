using PromptDfd.Engine.Models;
using PromptDfd.Engine.Training;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Method;

/// <summary>
/// Asks the frozen teacher, or the student as it is now, about text the run made: sequences of the prior's ids (the
/// teacher reads them as <see cref="TeacherInput"/> says) or plain strings. Sample sources use it to judge what they
/// wrote, for rewards and topic mining.
/// </summary>
public sealed class SampleReader(DistillationModels models, TextBatcher priorBatcher, TeacherInput teacherInput)
{
    /// <summary>The teacher's class logits [sequences, classes] for sequences of the prior's ids; an empty sequence reads as end-of-text
    /// alone.</summary>
    public Tensor TeacherLogits(IReadOnlyList<int[]> sequences)
    {
        var cut = Cut(sequences);
        using (no_grad())
        {
            var priorIds = priorBatcher.Pad(cut.Select(s => (IReadOnlyList<int>)s).ToList(), Device);
            var (ids, mask) = teacherInput.Encode(cut, priorIds, Device);
            return ((ITextClassifier)models.Teacher).Classify(ids, mask);
        }
    }

    /// <summary>The student's class logits, in evaluation mode (no dropout), for sequences of the prior's ids.</summary>
    public Tensor StudentLogits(IReadOnlyList<int[]> sequences)
    {
        bool wasTraining = models.Student.training;
        models.Student.eval();
        try
        {
            using (no_grad())
            {
                var (ids, mask) = priorBatcher.Pad(Cut(sequences).Select(s => (IReadOnlyList<int>)s).ToList(), Device);
                return ((ITextClassifier)models.Student).Classify(ids, mask);
            }
        }
        finally { if (wasTraining) models.Student.train(); }
    }

    private List<int[]> Cut(IReadOnlyList<int[]> sequences) =>
        sequences.Select(s => s.Length == 0 ? [models.Tokenizer.EndOfTextId] : s.Take(priorBatcher.MaximumLength).ToArray()).ToList();

    private Device Device => models.Prior.Body.TokenEmbedding.device;

    /// <summary>Class probabilities per text, in batches.</summary>
    public float[][] TeacherProbabilities(IReadOnlyList<string> texts) =>
        ClassifierInference.Probabilities(models.Teacher, teacherInput.Batcher, texts);

    /// <summary>The same ids with their text lower-cased, so a judgement can be checked against surface form.</summary>
    public int[] LowerCased(int[] ids) => models.Tokenizer.Encode(models.Tokenizer.Decode(ids).ToLowerInvariant()).ToArray();
}
