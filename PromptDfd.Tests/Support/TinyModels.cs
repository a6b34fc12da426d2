using PromptDfd.Engine.Models;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Support;

public static class TinyModels
{
    public static GptConfig Gpt(int vocabulary = 300) => new()
    {
        VocabularySize = vocabulary,
        ContextLength = 32,
        Layers = 2,
        Heads = 2,
        Width = 16
    };

    public static GptLanguageModel LanguageModel(int vocabulary = 300, long seed = 11)
    {
        manual_seed(seed);
        var model = new GptLanguageModel(Gpt(vocabulary));
        model.eval();
        return model;
    }

    public static Tensor Ids(params long[] ids) => tensor(ids, [1, ids.Length]);
}
