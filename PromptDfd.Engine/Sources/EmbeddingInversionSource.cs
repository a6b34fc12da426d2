using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Sources;

/// <summary>
/// AS-DFD-style baseline (see <see cref="AsDfdConfig"/>): per batch, soft token distributions are optimised with
/// Adam so the teacher is confident in each target class and disagrees with the student, both reading the
/// distribution through their own embedding matrices; the result is discretised to its most likely tokens.
/// </summary>
public sealed class EmbeddingInversionSource(MethodConfig config, DistillationModels models, RandomSources random) : ISampleSource
{
    public SyntheticBatch Draw(int count)
    {
        int length = config.Prompter.PromptLength + config.Content.MaxNewTokens;
        int vocabulary = models.Prior.Config.VocabularySize;
        int[] classes = random.UniformClasses(count, models.Labels.Count);
        var teacher = (ITextClassifier)models.Teacher;
        var student = (ITextClassifier)models.Student;
        bool studentTraining = models.Student.training;
        models.Student.eval();
        int[][] contents;
        using (var scope = NewDisposeScope())
        {
            Device device = teacher.TokenEmbedding.device;
            var soft = new Parameter(randn([count, length, vocabulary], generator: random.Generator).to(device));
            using var optimizer = AdamOptimizer.Adam([soft], config.AsDfd.LearningRate);
            Tensor target = tensor(classes.Select(c => (long)c).ToArray()).to(device).unsqueeze(1);
            Tensor banned = zeros([vocabulary], dtype: ScalarType.Bool, device: device);
            banned[models.Tokenizer.EndOfTextId] = tensor(true);
            banned[models.Tokenizer.PaddingId] = tensor(true);
            // An explicit Scalar held to the end of the scope: an implicitly converted one can be finalised on the
            // GC thread while libtorch still reads it (TorchSharp 0.107), which crashed two runs in masked_fill.
            using Scalar excluded = (-1e9).ToScalar();
            for (int step = 0; step < config.AsDfd.InversionSteps; step++)
            {
                using var stepScope = NewDisposeScope();
                optimizer.ZeroGrad();
                Tensor distribution = soft.masked_fill(banned, excluded).softmax(2);
                Tensor teacherLogits = teacher.ClassifyEmbeddings(distribution.matmul(teacher.TokenEmbedding), null);
                Tensor studentLogits = student.ClassifyEmbeddings(distribution.matmul(student.TokenEmbedding), null);
                Tensor confidence = nn.functional.log_softmax(teacherLogits, 1).gather(1, target).mean();
                Tensor disagreement = DistillationLoss.PerExampleDivergence(teacherLogits, studentLogits).mean();
                Tensor loss = confidence.Times(config.AsDfd.ConfidenceWeight).Plus(disagreement.Times(config.AsDfd.DisagreementWeight)).neg();
                loss.backward();
                optimizer.Step();
            }
            // Only the soft inputs were optimised; the models' parameter gradients are stale and must not leak into their updates.
            models.Student.zero_grad();
            long[] tokens = soft.detach().masked_fill(banned, excluded).argmax(2).cpu().data<long>().ToArray();
            contents = Enumerable.Range(0, count).Select(r => tokens[(r * length)..((r + 1) * length)].Select(t =>
                (int)t).ToArray()).ToArray();
        }
        if (studentTraining) models.Student.train();
        int[][] empty = Enumerable.Range(0, count).Select(_ => Array.Empty<int>()).ToArray();
        return new SyntheticBatch(classes, empty, contents, Enumerable.Repeat(PromptOrigin.Inverted, count).ToArray(), new bool[count]);
    }
}
