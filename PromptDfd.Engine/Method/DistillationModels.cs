using PromptDfd.Engine.Models;
using PromptDfd.Engine.Text;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Method;

/// <summary>The models a PromptDFD run uses. The prior and the teacher stay frozen.</summary>
/// <param name="Tokenizer">the prior's, which the student shares</param>
/// <param name="TeacherTokenizer">the teacher's when it differs from the prior's (see <see cref="TeacherInput"/>); null when they share
/// one</param>
public sealed record DistillationModels(GptLanguageModel Prior, nn.Module Teacher, nn.Module Student, ITextTokenizer Tokenizer,
    IReadOnlyList<string> Labels,
    ITextTokenizer? TeacherTokenizer = null);
