using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Method;

/// <summary>
/// How the teacher reads what the prior wrote. A teacher with the prior's tokenizer reads the prior's ids as they
/// are. Any other teacher (a Hugging Face BERT distilled with a GPT-2 generator, the paper's own setting) reads the
/// decoded text in its own tokens, cut to its own context, exactly as it would read that text anywhere else.
/// </summary>
public sealed class TeacherInput
{
    private readonly ITextTokenizer priorTokenizer;
    private readonly bool sharesTokenizer, readsPriorIds;

    public TeacherInput(DistillationModels models, TextBatcher priorBatcher)
    {
        priorTokenizer = models.Tokenizer;
        int teacherContext = ((ITextClassifier)models.Teacher).ContextLength;
        sharesTokenizer = models.TeacherTokenizer is null;
        readsPriorIds = sharesTokenizer && teacherContext >= priorBatcher.MaximumLength;
        Batcher = readsPriorIds ? priorBatcher : new TextBatcher(models.TeacherTokenizer ?? models.Tokenizer, teacherContext);
    }

    /// <summary>Encodes real text for the teacher.</summary>
    public TextBatcher Batcher { get; }

    /// <summary>
    /// The teacher's ids and mask for sequences of the prior's ids: <paramref name="priorIds"/> themselves when the
    /// teacher shares the prior's tokenizer and context; cut to a shorter teacher context; else the text re-encoded.
    /// </summary>
    public (Tensor Ids, Tensor Mask) Encode(IReadOnlyList<int[]> sequences, (Tensor Ids, Tensor Mask) priorIds, Device device) =>
        readsPriorIds ? priorIds
        : sharesTokenizer ? Batcher.Pad(sequences.Select(s => (IReadOnlyList<int>)s.Take(Batcher.MaximumLength).ToList()).ToList(), device)
        : Batcher.Pad(sequences.Select(s => Batcher.Encode(Text(s))).ToList(), device);

    /// <summary>The words of a sample; the prior's end-of-text and padding markers are not text the teacher should read.</summary>
    private string Text(int[] priorIds) =>
        priorTokenizer.Decode(priorIds.Where(id => id != priorTokenizer.EndOfTextId && id != priorTokenizer.PaddingId));

    /// <summary>
    /// Whether a method can distil a teacher: AS-DFD feeds it soft tokens of the prior's vocabulary, so it needs a
    /// teacher with the prior's tokenizer; every other method hands the teacher text.
    /// </summary>
    public static bool Supports(SynthesisMethod method, bool sharesTokenizer) => sharesTokenizer || method != SynthesisMethod.AsDfd;

    public static void RequireSupported(SynthesisMethod method, bool sharesTokenizer, string teacherTokenizer, string priorTokenizer)
    {
        if (!Supports(method, sharesTokenizer))
            throw new ArgumentException(
                $"AS-DFD optimises soft tokens through the teacher's own embedding matrix, so its teacher must use the prior's " +
                    $"tokenizer; " +
                $"this teacher uses {teacherTokenizer} and the prior {priorTokenizer}. Pick another method, or a teacher fine-tuned from " +
                    $"the prior (train-teacher).");
    }
}
