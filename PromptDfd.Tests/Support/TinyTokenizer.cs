using PromptDfd.Engine.Text;

namespace PromptDfd.Tests.Support;

/// <summary>A small byte-level BPE trained on a few sentences, for checkpoints that need tokenizer files.</summary>
public static class TinyTokenizer
{
    public static readonly string[] Corpus =
    [
        "The movie was wonderful and the actors were great.",
        "The food was terrible and the service was slow.",
        "In the morning the committee said the economy is growing.",
        "Whales swim in the ocean; the sailors watch them from the ship.",
    ];

    public static BpeVocabulary Train(int vocabularySize = 300) =>
        ByteLevelBpeTrainer.Train(Enumerable.Repeat(Corpus, 5).SelectMany(c => c),
            new BpeTrainerConfig { VocabularySize = vocabularySize });

    /// <summary>Writes vocab.json and merges.txt into the folder; returns the vocabulary size.</summary>
    public static int WriteTo(string folder, int vocabularySize = 300)
    {
        BpeVocabulary vocabulary = Train(vocabularySize);
        vocabulary.Save(folder);
        return vocabulary.Tokens.Count;
    }
}
