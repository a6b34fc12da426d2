using PromptDfd.Engine.Data;
using PromptDfd.Engine.Metrics;
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
        Predicted(Probabilities(module, batcher, texts));

    /// <summary>The most probable class of each row of probabilities.</summary>
    public static int[] Predicted(float[][] probabilities) => probabilities.Select(p => Array.IndexOf(p, p.Max())).ToArray();

    /// <summary>Accuracy and macro-F1 on examples of a task whose labels the classifier predicts in the task's order.</summary>
    public static ClassificationScores Score(nn.Module module, TextBatcher batcher, TaskDataset task,
        IReadOnlyList<LabeledExample> examples) =>
        ClassificationMetrics.Score(Predict(module, batcher, examples.Select(e => e.Text).ToList()),
            examples.Select(e => task.LabelIndex(e.Label)).ToList(), task.Labels.Count);

    /// <summary>Class probabilities per text: the mean over the windows that cover it (one for a text that fits the context).</summary>
    public static float[][] Probabilities(nn.Module module, TextBatcher batcher, IReadOnlyList<string> texts)
    {
        var classifier = (ITextClassifier)module;
        var windows = texts.SelectMany((text, owner) => batcher.EncodeWindows(text).Select(ids => (Owner: owner, Ids: ids))).ToList();
        var sums = new float[texts.Count][];
        var counts = new int[texts.Count];
        bool wasTraining = module.training;
        module.eval();
        using (no_grad())
        {
            foreach (var batch in windows.Chunk(BatchSize))
            {
                using var scope = NewDisposeScope();
                var (ids, mask) = batcher.Pad(batch.Select(w => w.Ids).ToList(), classifier.TokenEmbedding.device);
                float[] flat = classifier.Classify(ids, mask).softmax(1).cpu().data<float>().ToArray();
                int classes = flat.Length / batch.Length;
                for (int row = 0; row < batch.Length; row++)
                {
                    var sum = sums[batch[row].Owner] ??= new float[classes];
                    for (int c = 0; c < classes; c++) sum[c] += flat[row * classes + c];
                    counts[batch[row].Owner]++;
                }
            }
        }
        if (wasTraining) module.train();
        for (int text = 0; text < texts.Count; text++)
            for (int c = 0; c < sums[text].Length; c++) sums[text][c] /= counts[text];
        return sums;
    }
}
