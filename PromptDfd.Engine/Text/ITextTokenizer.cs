namespace PromptDfd.Engine.Text;

/// <summary>The one tokenizer surface the engine uses, whatever vocabulary format backs it.</summary>
public interface ITextTokenizer
{
    /// <summary>A short description for model cards and the dashboard, e.g. "byte-level BPE (8,000)".</summary>
    string Description { get; }

    int VocabularySize { get; }

    /// <summary>Separates documents and ends generations; GPT-style models use it as padding too.</summary>
    int EndOfTextId { get; }

    /// <summary>Token used to pad batches; never attended to.</summary>
    int PaddingId { get; }

    /// <summary>Special ids <see cref="Encode"/> puts before every text ([CLS] for BERT); none for GPT-style tokenizers.</summary>
    IReadOnlyList<int> Opening => [];

    /// <summary>Special ids <see cref="Encode"/> puts after every text ([SEP] for BERT).</summary>
    IReadOnlyList<int> Closing => [];

    IReadOnlyList<int> Encode(string text);

    string Decode(IEnumerable<int> ids);
}
