using PromptDfd.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>Runs a classifier over texts in batches, without gradients, restoring its training mode afterwards.</summary>
public static class ClassifierInference
{
    public const int BatchSize = 64;

    /// <summary>Predicted class per text.</summary>
    public static int[] Predict(nn.Module module, TextBatcher batcher, IReadOnlyList<string> texts) =>
        Probabilities(module, batcher, texts).Select(p => Array.IndexOf(p, p.Max())).ToArray();

    /// <summary>Class probabilities per text.</summary>
    public static float[][] Probabilities(nn.Module module, TextBatcher batcher, IReadOnlyList<string> texts)
    {
        var classifier = (ITextClassifier)module;
        bool wasTraining = module.training;
        module.eval();
        var result = new List<float[]>(texts.Count);
        using (no_grad())
        {
            foreach (string[] batch in texts.Chunk(BatchSize))
            {
                using var scope = NewDisposeScope();
                var (ids, mask) = batcher.Pad(batch.Select(batcher.Encode).ToList(), classifier.TokenEmbedding.device);
                float[] flat = classifier.Classify(ids, mask).softmax(1).cpu().data<float>().ToArray();
                int classes = flat.Length / batch.Length;
                for (int row = 0; row < batch.Length; row++) result.Add(flat[(row * classes)..((row + 1) * classes)]);
            }
        }
        if (wasTraining) module.train();
        return result.ToArray();
    }
}
