using PromptDfd.Engine.Data;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Synthesis;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Distillation;

/// <summary>The models a PromptDFD run uses. The prior and the teacher stay frozen.</summary>
public sealed record DistillationModels(GptLanguageModel Prior, nn.Module Teacher, nn.Module Student, ITextTokenizer Tokenizer, IReadOnlyList<string> Labels);

/// <summary>
/// PromptDFD (method.md): each step samples classes, lets the topic prompter write a prompt per class, lets the
/// frozen prior continue it, scores the samples with the teacher and the student, updates the prompter with the
/// rewards, and distils the student on fresh plus replayed samples. Real test data is only evaluated on.
/// Runs synchronously on the caller's thread, one dispose scope per phase, and reports through events.
/// </summary>
public sealed class PromptDfdTrainer
{
    private readonly PromptDfdConfig config;
    private readonly DistillationModels models;
    private readonly Action<TrainerEvent> emit;
    private readonly TopicPrompter prompter;
    private readonly PolicyGradientUpdater updater;
    private readonly RewardCalculator rewards;
    private readonly ReplayBuffer replay;
    private readonly optim.Optimizer studentOptimizer;
    private readonly TextBatcher batcher;
    private readonly Random random;
    private readonly Generator generator;
    private (IReadOnlyList<LabeledExample> Texts, int[] Predictions)? teacherPredictions;

    public PromptDfdTrainer(PromptDfdConfig config, DistillationModels models, Action<TrainerEvent> emit)
    {
        config.Validate(models.Prior.Config);
        this.config = config;
        this.models = models;
        this.emit = emit;
        manual_seed(config.Seed);
        random = new Random((int)config.Seed);
        generator = new Generator((ulong)config.Seed);
        models.Prior.eval();
        models.Teacher.eval();
        foreach (var parameter in models.Prior.parameters().Concat(models.Teacher.parameters())) parameter.requires_grad = false;
        prompter = new TopicPrompter(models.Prior, models.Labels.Count, models.Tokenizer.EndOfTextId, config.Prompter);
        updater = new PolicyGradientUpdater(prompter);
        rewards = new RewardCalculator(config.Reward);
        replay = new ReplayBuffer(config.Distillation.ReplayCapacity);
        studentOptimizer = optim.AdamW(models.Student.parameters(), config.Distillation.LearningRate);
        batcher = new TextBatcher(models.Tokenizer, models.Prior.Config.ContextLength);
    }

    public long SamplesSeen { get; private set; }
    public int Step { get; private set; }

    /// <summary>Runs the schedule; evaluation data is the real test split (never trained on).</summary>
    public ClassificationScores Train(IReadOnlyList<LabeledExample> evaluation, CancellationToken cancellation = default)
    {
        ClassificationScores last = Evaluate(evaluation);
        while (Step < config.Schedule.Steps && !cancellation.IsCancellationRequested)
        {
            RunStep();
            if (Step % config.Schedule.EvaluateEvery == 0 || Step == config.Schedule.Steps) last = Evaluate(evaluation);
        }
        return last;
    }

    /// <summary>One step: synthesise, reward, update the prompter N_p times, distil the student N_s times.</summary>
    public void RunStep()
    {
        Step++;
        int count = config.Schedule.SamplesPerStep;
        int[] classes = Enumerable.Range(0, count).Select(_ => random.Next(models.Labels.Count)).ToArray();
        long[][] prompts = prompter.Sample(classes, generator);
        GeneratedBatch contents = Generation.Generate(models.Prior, prompts.Select(p => (IReadOnlyList<int>)p.Select(t => (int)t).ToArray()).ToList(),
            config.Content, models.Tokenizer.EndOfTextId, models.Tokenizer.PaddingId, generator);
        var sequences = prompts.Select((p, i) => (IReadOnlyList<int>)p.Concat(contents.Tokens[i]).Select(t => (int)t).Take(batcher.MaximumLength).ToArray()).ToList();
        SamplesSeen += count;

        RewardBreakdown breakdown;
        float[][] teacherLogits;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var (ids, mask) = batcher.Pad(sequences, Device);
            Tensor teacher = ((ITextClassifier)models.Teacher).Classify(ids, mask);
            models.Student.eval();
            Tensor student = ((ITextClassifier)models.Student).Classify(ids, mask);
            double[] policy = ToDoubles(prompter.Score(classes, prompts).LogProbability);
            double[] reference = ToDoubles(TopicPrompter.ReferenceLogProbability(models.Prior, prompts, models.Tokenizer.EndOfTextId));
            breakdown = rewards.Score(teacher, student, classes, policy, reference, prompts.Select(Decode).ToList());
            teacherLogits = Rows(teacher);
            EmitSamples(classes, prompts, contents, teacher, student);
        }
        for (int update = 0; update < config.Schedule.PrompterUpdates; update++)
        {
            var statistics = updater.Update(classes, prompts, breakdown.Total);
            if (update == config.Schedule.PrompterUpdates - 1) Metric("prompter/entropy", statistics.Entropy);
        }
        var fresh = sequences.Select((s, i) => new SyntheticSample(s.ToArray(), teacherLogits[i])).ToList();
        double kd = 0;
        for (int update = 0; update < config.Schedule.StudentUpdates; update++) kd = DistilStudent(fresh);
        replay.Add(fresh);

        Metric("reward/total", breakdown.Total.Average());
        Metric("reward/relevance", breakdown.Relevance.Average());
        Metric("reward/hardness", breakdown.Hardness.Average());
        Metric("reward/plausibility", breakdown.Plausibility.Average());
        Metric("reward/diversity", breakdown.Diversity.Average());
        Metric("prompter/kl_to_reference", -breakdown.Plausibility.Average());
        Metric("student/kd_loss", kd);
    }

    private double DistilStudent(List<SyntheticSample> fresh)
    {
        int size = config.Distillation.BatchSize;
        int replayed = replay.Count == 0 ? 0 : (int)Math.Round(size * config.Distillation.ReplayFraction);
        var batch = Enumerable.Range(0, size - replayed).Select(_ => fresh[random.Next(fresh.Count)]).Concat(replay.Sample(replayed, random)).ToList();
        using var scope = NewDisposeScope();
        models.Student.train();
        var (ids, mask) = batcher.Pad(batch.Select(s => (IReadOnlyList<int>)s.Ids).ToList(), Device);
        Tensor teacher = tensor(batch.SelectMany(s => s.TeacherLogits).ToArray(), [batch.Count, models.Labels.Count]).to(Device);
        studentOptimizer.zero_grad();
        Tensor loss = DistillationLoss.Compute(teacher, ((ITextClassifier)models.Student).Classify(ids, mask), config.Distillation.Temperature);
        loss.backward();
        nn.utils.clip_grad_norm_(models.Student.parameters(), 1.0);
        studentOptimizer.step();
        return loss.item<float>();
    }

    /// <summary>Student accuracy, macro-F1 and agreement with the teacher on real labelled text.</summary>
    public ClassificationScores Evaluate(IReadOnlyList<LabeledExample> evaluation)
    {
        var texts = evaluation.Select(e => e.Text).ToList();
        int[] student = ClassifierInference.Predict(models.Student, batcher, texts);
        // The teacher is frozen, so its answers on the evaluation set never change.
        if (teacherPredictions?.Texts != evaluation) teacherPredictions = (evaluation, ClassifierInference.Predict(models.Teacher, batcher, texts));
        int[] teacher = teacherPredictions.Value.Predictions;
        var labels = evaluation.Select(e => models.Labels.ToList().IndexOf(e.Label)).ToList();
        var scores = ClassificationMetrics.Score(student, labels, models.Labels.Count);
        Metric("student/accuracy", scores.Accuracy);
        Metric("student/macro_f1", scores.MacroF1);
        Metric("student/agreement", ClassificationMetrics.Agreement(student, teacher));
        return scores;
    }

    private void EmitSamples(int[] classes, long[][] prompts, GeneratedBatch contents, Tensor teacher, Tensor student)
    {
        float[][] teacherProbabilities = Rows(teacher.softmax(1));
        float[][] studentLogits = Rows(student);
        for (int i = 0; i < classes.Length; i++)
        {
            int teacherLabel = ArgMax(teacherProbabilities[i]);
            emit(new SampleEvent(Step, models.Labels[classes[i]], Decode(prompts[i]), models.Tokenizer.Decode(contents.Tokens[i].Select(t => (int)t)),
                models.Labels[teacherLabel], teacherProbabilities[i][teacherLabel], models.Labels[ArgMax(studentLogits[i])]));
        }
    }

    private Device Device => models.Prior.Body.TokenEmbedding.device;
    private string Decode(long[] ids) => models.Tokenizer.Decode(ids.Select(t => (int)t));
    private void Metric(string name, double value) => emit(new MetricEvent(Step, SamplesSeen, name, value));
    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
    private static double[] ToDoubles(Tensor values) => values.cpu().to_type(ScalarType.Float64).data<double>().ToArray();

    private static float[][] Rows(Tensor matrix)
    {
        float[] flat = matrix.cpu().data<float>().ToArray();
        int width = (int)matrix.shape[1];
        return Enumerable.Range(0, (int)matrix.shape[0]).Select(r => flat[(r * width)..((r + 1) * width)]).ToArray();
    }
}
