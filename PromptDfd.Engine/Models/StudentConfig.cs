using static TorchSharp.torch;

namespace PromptDfd.Engine.Models;

/// <summary>
/// The default student: a GPT-body classifier about four times smaller than the teacher (2 layers of width 128
/// instead of 4 of width 256), sharing the teacher's tokenizer so soft token embeddings mean the same in both.
/// It starts from a seeded random initialisation (GPT-2's scheme), so any seed re-creates it exactly.
/// </summary>
public sealed record StudentConfig
{
    public int Layers { get; init; } = 2;
    public int Width { get; init; } = 128;
    public int Heads { get; init; } = 4;
    public double Dropout { get; init; } = 0.1;

    public GptClassifier Create(int vocabularySize, int contextLength, int classes, long seed)
    {
        var config = new GptConfig
        {
            VocabularySize = vocabularySize,
            ContextLength = contextLength,
            Layers = Layers,
            Width = Width,
            Heads = Heads,
            Dropout = Dropout
        };
        config.Validate();
        manual_seed(seed);
        return new GptClassifier(config, classes);
    }
}
