using PromptDfd.Engine.Text;

namespace PromptDfd.Tests.Support;

/// <summary>The tiny tokenizer's files in a temporary folder and the tokenizer loaded from them, shared by a test class.</summary>
public sealed class TinyTokenizerFolder : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public TinyTokenizerFolder()
    {
        TinyTokenizer.WriteTo(folder.Path);
        Tokenizer = TokenizerFactory.FromFolder(folder.Path);
    }

    public ITextTokenizer Tokenizer { get; }

    public void Dispose() => folder.Dispose();
}
