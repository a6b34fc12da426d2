using System.Globalization;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>The rows every teacher's model card shares, whether the teacher was fine-tuned or made as a soup of fine-tuned
/// teachers.</summary>
public static class TeacherCard
{
    /// <summary>The Hashes row naming the prior a teacher was fine-tuned from; soups check their members agree on it.</summary>
    public const string PriorHashName = "prior model.safetensors";

    public static string Title(TaskDataset task) => $"Teacher: {task.Name}";

    /// <summary>What a BERT-family teacher's head reads: the first token, which RoBERTa calls &lt;s&gt;.</summary>
    public static string FirstTokenHead(nn.Module teacher) =>
        $"its pooled {(teacher is BertClassifier bert ? bert.Config.Family.ClassToken : "[CLS]")} token";

    /// <param name="body">what the head sits on: the prior's body, or for the from-scratch ablation a network of its shape</param>
    /// <param name="head">what the head reads; by default as <paramref name="pooling"/> says for a GPT body</param>
    public static string Summary(TaskDataset task, ClassifierPooling pooling, string howMade, string body = "the language prior's body",
        string? head = null) =>
        $"The teacher T for the '{task.Name}' " +
            $"task{(task.Info.StandsInFor.Length > 0 ? $" (our stand-in for {task.Info.StandsInFor})" : "")}: {body} with a linear head " +
                $"on " +
        (head ?? (pooling == ClassifierPooling.Mean ? "the mean of its token states" : "the last token")) + ", " + howMade
            + " PromptDFD distils it without that data.";

    public static IEnumerable<(string Name, string Value)> Architecture(nn.Module teacher) =>
    [
        ("architecture", teacher switch
        {
            GptClassifier gpt =>
                $"GPT2ForSequenceClassification layout, {gpt.Config.Layers} layers, width {gpt.Config.Width}, {gpt.Classes} classes",
            BertClassifier bert =>
                $"{bert.Config.ToHuggingFace()["architectures"]![0]} layout, {bert.Config.Layers} layers, width {bert.Config.Width}, " +
                    $"{bert.Classes} classes",
            _ => teacher.GetType().Name,
        }),
        ("parameters", teacher.parameters().Sum(p => p.numel()).ToString("N0", CultureInfo.InvariantCulture)),
    ];

    public static (string Name, string Value) Evaluation(TextBatcher batcher) =>
        ("evaluation", $"a text longer than {batcher.MaximumLength} tokens is classified by the mean class probabilities over the " +
            $"windows that cover it");

    /// <summary>Test scores, the dev score the teacher was chosen by, and how it compares with Naive Bayes on the same test
    /// texts.</summary>
    public static IEnumerable<(string Name, string Value)> Scores(BaselineComparison onTest, ClassificationScores selectedOnDev) =>
    [
        ("test accuracy", Percent(onTest.Classifier.Accuracy)),
        ("test macro-F1", Percent(onTest.Classifier.MacroF1)),
        ("dev accuracy (selection)", Percent(selectedOnDev.Accuracy)),
        ("Naive Bayes test accuracy", Percent(onTest.NaiveBayes.Accuracy)),
        ("Naive Bayes test macro-F1", Percent(onTest.NaiveBayes.MacroF1)),
        ("beats Naive Bayes", onTest.Classifier.Accuracy > onTest.NaiveBayes.Accuracy ? "yes" : "no"),
        ("against Naive Bayes on test", string.Create(CultureInfo.InvariantCulture,
            $"only the teacher right on {onTest.Paired.OnlyFirstRight} texts, only Naive Bayes on {onTest.Paired.OnlySecondRight}; exact " +
                $"McNemar p = {onTest.Paired.PValue:F3}")),
    ];

    /// <summary>A teacher that does not beat Naive Bayes caps every student distilled from it; the user must hear it plainly,
    /// with what to try next, not find it in a table.</summary>
    public static string? WeakerThanNaiveBayes(BaselineComparison onTest) => onTest.Classifier.Accuracy > onTest.NaiveBayes.Accuracy
        ? null
        : $"This teacher does not beat Naive Bayes on test ({Percent(onTest.Classifier.Accuracy)} against " +
            $"{Percent(onTest.NaiveBayes.Accuracy)}, McNemar p = {onTest.Paired.PValue.ToString("F3", CultureInfo.InvariantCulture)}), so " +
                "students distilled from it are capped below a bag-of-words baseline. Next: more epochs (--epochs), the best of several " +
                    "restarts (--restarts 5), a BERT-family base under models/ (--base), or compare recipes with cross-validate-teacher.";

    private static string Percent(double fraction) => fraction.ToString("P1", CultureInfo.InvariantCulture);
}
