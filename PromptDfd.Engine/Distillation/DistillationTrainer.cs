using System.Diagnostics;
using System.Text.Json;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Events;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Sources;
using PromptDfd.Engine.Text;
using PromptDfd.Engine.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Distillation;

/// <summary>
/// PromptDFD and its baselines (method.md): each step draws synthetic samples from the configured source (the
/// reinforced prompter steering the frozen prior, or a baseline), scores them with the teacher and the student,
/// lets the source learn from that (the prompter's RL update), and distils the student on fresh plus replayed
/// samples. Real test data is only evaluated on. Runs synchronously on the caller's thread, one dispose scope per
/// phase, and reports only through events; the caller decides when to step, evaluate, steer and checkpoint.
/// </summary>
public sealed class DistillationTrainer
{
    private const string StateFile = "trainer.json";
    private readonly MethodConfig config;
    private readonly DistillationModels models;
    private readonly Action<TrainerEvent> emit;
    private readonly ISampleSource source;
    private readonly ReplayBuffer replay;
    private readonly AdamOptimizer studentOptimizer;
    private readonly TextBatcher batcher;
    private readonly TeacherInput teacherInput;
    private readonly RandomSources random;
    private readonly List<QualitySample> window = [];
    private (IReadOnlyList<LabeledExample> Texts, int[] Predictions)? teacherPredictions;

    /// <param name="realTraining">the task's training split; read only by data-driven KD</param>
    public DistillationTrainer(MethodConfig config, DistillationModels models, Action<TrainerEvent> emit,
        IReadOnlyList<LabeledExample>? realTraining = null)
    {
        config.Validate(models.Prior.Config);
        TeacherInput.RequireSupported(config.Method, models.TeacherTokenizer is null, models.TeacherTokenizer?.Description ?? "",
            models.Tokenizer.Description);
        this.config = config;
        this.models = models;
        this.emit = emit;
        random = new RandomSources(config.Seed);
        models.Prior.eval();
        models.Teacher.eval();
        foreach (var parameter in models.Prior.parameters().Concat(models.Teacher.parameters())) parameter.requires_grad = false;
        if (config.Guidance.Enabled
            && config.Method is SynthesisMethod.PromptDfd or SynthesisMethod.FixedPrompts) PriorContinuation.GuidableTeacher(models);
        batcher = new TextBatcher(models.Tokenizer, models.Prior.Config.ContextLength);
        teacherInput = new TeacherInput(models, batcher);
        var sampleReader = new SampleReader(models, batcher, teacherInput);
        source = config.Method switch
        {
            SynthesisMethod.PromptDfd => new PromptDfdSource(config, models, random, config.TopicPrompts, sampleReader),
            SynthesisMethod.FixedPrompts => new FixedPromptSource(config, models, random, config.TopicPrompts, sampleReader),
            SynthesisMethod.UnconditionalPrior => new UnconditionalPriorSource(config, models, random),
            SynthesisMethod.RandomText => new RandomTextSource(config, models, random),
            SynthesisMethod.DataDrivenKd => new RealTextSource(models, random, realTraining),
            SynthesisMethod.AsDfd => new EmbeddingInversionSource(config, models, random),
            _ => throw new ArgumentException($"Unknown synthesis method {config.Method}."),
        };
        replay = new ReplayBuffer(config.Distillation.ReplayCapacity);
        studentOptimizer = AdamOptimizer.AdamW(models.Student.parameters(), config.Distillation.LearningRate);
        if (source is PromptDfdSource { WarmStartPrompts.Count: > 0 } prompted)
            emit(new LogEvent(0,
                FormattableString.Invariant($"Prompter warm-started to a loss of {prompted.WarmStartLoss:F2} nats per prompt on: ")
                    + string.Join("; ", prompted.WarmStartPrompts.Select(p => $"{p.Key}: {string.Join(" | ", p.Value.Take(6))}"))));
    }

    public MethodConfig Config => config;
    public long SamplesSeen { get; private set; }
    public int Step { get; private set; }
    public bool Finished => Step >= config.Schedule.Steps;
    public bool EvaluationDue => Step % config.Schedule.EvaluateEvery == 0 || Step == config.Schedule.Steps;
    public bool CheckpointDue => Step % config.Schedule.CheckpointEvery == 0 || Step == config.Schedule.Steps;

    /// <summary>Runs the rest of the schedule; evaluation data is the real test split (never trained on).</summary>
    public ClassificationScores Train(IReadOnlyList<LabeledExample> evaluation, CancellationToken cancellation = default)
    {
        ClassificationScores last = Evaluate(evaluation);
        while (!Finished && !cancellation.IsCancellationRequested)
        {
            RunStep();
            if (EvaluationDue) last = Evaluate(evaluation);
        }
        return last;
    }

    /// <summary>Applies a topic-prompt change from the next step on and records it as an event.</summary>
    public void Steer(SteeringCommand command)
    {
        source.Steer(command);
        emit(new PromptChangeEvent(Step + 1, command));
    }

    /// <summary>One step: draw samples, score them, let the source learn (N_p prompter updates), distil the student N_s times.</summary>
    public void RunStep()
    {
        if (Step % config.Schedule.CheckpointEvery == 0) random.Reseed(Step);
        Step++;
        foreach (ScheduledSteering change in config.Steering.Where(s => s.Step == Step)) Steer(change.Command);
        var clock = Stopwatch.StartNew();
        int count = config.Schedule.SamplesPerStep;
        SyntheticBatch batch = source.Draw(count);
        var sequences = batch.Sequences(batcher.MaximumLength, models.Tokenizer.EndOfTextId);
        SamplesSeen += count;
        double synthesisSeconds = clock.Elapsed.TotalSeconds;

        float[][] teacherLogits;
        clock.Restart();
        using (var scope = NewDisposeScope())
        {
            Tensor teacher, student;
            using (no_grad())
            {
                var (ids, mask) = batcher.Pad(sequences.Select(s => (IReadOnlyList<int>)s).ToList(), Device);
                var (teacherIds, teacherMask) = teacherInput.Encode(sequences, (ids, mask), Device);
                teacher = ((ITextClassifier)models.Teacher).Classify(teacherIds, teacherMask);
                models.Student.eval();
                student = ((ITextClassifier)models.Student).Classify(ids, mask);
                teacherLogits = Rows(teacher);
                EmitSamples(batch, sequences, teacher, student);
            }
            source.Learn(batch, teacher, student, Metric);
        }
        double learnSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var fresh = sequences.Select((s, i) => new SyntheticSample(s, teacherLogits[i])).Where((_, i) => !batch.Banned[i]).ToList();
        double kd = double.NaN;
        if (fresh.Count > 0)
        {
            for (int update = 0; update < config.Schedule.StudentUpdates; update++) kd = DistilStudent(fresh);
            replay.Add(fresh);
        }
        double studentSeconds = clock.Elapsed.TotalSeconds;

        if (!double.IsNaN(kd)) Metric(MetricNames.StudentKdLoss, kd);
        Metric(MetricNames.SynthesisSeconds, synthesisSeconds);
        Metric(MetricNames.RewardsAndPrompterSeconds, learnSeconds);
        Metric(MetricNames.StudentSeconds, studentSeconds);
        Metric(MetricNames.SamplesPerSecond, count / Math.Max(1e-9, synthesisSeconds + learnSeconds + studentSeconds));
    }

    private double DistilStudent(List<SyntheticSample> fresh)
    {
        int size = config.Distillation.BatchSize;
        int replayed = replay.Count == 0 ? 0 : (int)Math.Round(size * config.Distillation.ReplayFraction);
        var batch = Enumerable.Range(0, size - replayed).Select(_ => fresh[random.Random.Next(fresh.Count)]).Concat(replay.Sample(replayed,
            random.Random)).ToList();
        using var scope = NewDisposeScope();
        models.Student.train();
        var (ids, mask) = batcher.Pad(batch.Select(s => (IReadOnlyList<int>)s.Ids).ToList(), Device);
        Tensor teacher = tensor(batch.SelectMany(s => s.TeacherLogits).ToArray(), [batch.Count, models.Labels.Count]).to(Device);
        studentOptimizer.ZeroGrad();
        Tensor loss = DistillationLoss.Compute(teacher, ((ITextClassifier)models.Student).Classify(ids, mask),
            config.Distillation.Temperature);
        float value = loss.item<float>();
        // A diverged student would otherwise go on silently at chance accuracy, and every later checkpoint would hold it.
        if (!float.IsFinite(value))
            throw new InvalidOperationException($"The student's distillation loss is {value} at step {Step}: the student diverged. " +
                $"Lower Training.Distillation.LearningRate (now {config.Distillation.LearningRate}) and start the run again (Clone); " +
                    $"resuming would repeat the same steps.");
        loss.backward();
        nn.utils.clip_grad_norm_(models.Student.parameters(), 1.0);
        studentOptimizer.Step();
        return value;
    }

    /// <summary>
    /// Student and teacher accuracy, macro-F1 and agreement on real labelled text, the quality of the recent
    /// synthetic samples, and the top prompts per class.
    /// </summary>
    public ClassificationScores Evaluate(IReadOnlyList<LabeledExample> evaluation)
    {
        var texts = evaluation.Select(e => e.Text).ToList();
        int[] student = ClassifierInference.Predict(models.Student, batcher, texts);
        // The teacher is frozen, so its answers on the evaluation set never change.
        if (teacherPredictions?.Texts != evaluation) teacherPredictions = (evaluation,
            ClassifierInference.Predict(models.Teacher, teacherInput.Batcher, texts));
        int[] teacher = teacherPredictions.Value.Predictions;
        var labels = evaluation.Select(e => models.Labels.ToList().IndexOf(e.Label)).ToList();
        var scores = ClassificationMetrics.Score(student, labels, models.Labels.Count);
        var teacherScores = ClassificationMetrics.Score(teacher, labels, models.Labels.Count);
        Metric(MetricNames.StudentAccuracy, scores.Accuracy);
        Metric(MetricNames.StudentMacroF1, scores.MacroF1);
        Metric(MetricNames.StudentAgreement, ClassificationMetrics.Agreement(student, teacher));
        Metric(MetricNames.TeacherAccuracy, teacherScores.Accuracy);
        Metric(MetricNames.TeacherMacroF1, teacherScores.MacroF1);
        EmitQuality();
        var top = source.TopPrompts(5);
        if (top.Count > 0) emit(new TopPromptsEvent(Step, top));
        return scores;
    }

    private void EmitQuality()
    {
        if (window.Count < 2) return;
        Metric(MetricNames.TeacherConfidence, window.Average(s => s.Confidence));
        foreach (var group in window.Where(s => s.Intended >= 0).GroupBy(s => s.Intended).OrderBy(g => g.Key))
        {
            Metric(MetricNames.OfClass(MetricNames.IntendedProbability, models.Labels[group.Key]),
                group.Average(s => s.IntendedProbability));
            Metric(MetricNames.OfClass(MetricNames.IntendedAgreement, models.Labels[group.Key]),
                group.Average(s => s.TeacherLabel == s.Intended ? 1.0 : 0.0));
        }
        var counts = window.GroupBy(s => s.TeacherLabel).Select(g => g.Count() / (double)window.Count).ToList();
        // Normalised entropy of the teacher's labels: 1 when every class is equally represented.
        Metric(MetricNames.ClassBalance, models.Labels.Count < 2 ? 1 : Math.Max(0,
            -counts.Sum(p => p * Math.Log(p)) / Math.Log(models.Labels.Count)));
        var sampleTexts = window.Select(s => s.Text).ToList();
        Metric(MetricNames.Distinct1, SynthesisMetrics.DistinctN(sampleTexts, 1));
        Metric(MetricNames.Distinct2, SynthesisMetrics.DistinctN(sampleTexts, 2));
        Metric(MetricNames.SelfBleu, SynthesisMetrics.SelfBleu(sampleTexts.TakeLast(64).ToList()));
        Metric(MetricNames.Perplexity, PriorPerplexity.Of(models.Prior, models.Tokenizer,
            window.Select(s => (IReadOnlyList<int>)s.Ids).ToList()));
    }

    private void EmitSamples(SyntheticBatch batch, IReadOnlyList<int[]> sequences, Tensor teacher, Tensor student)
    {
        float[][] teacherProbabilities = Rows(teacher.softmax(1));
        float[][] studentLogits = Rows(student);
        for (int i = 0; i < batch.Count; i++)
        {
            int teacherLabel = ArgMax(teacherProbabilities[i]);
            string prompt = models.Tokenizer.Decode(batch.Prompts[i]);
            string content = models.Tokenizer.Decode(batch.Contents[i]);
            emit(new SampleEvent(Step, batch.Classes[i] < 0 ? "" : models.Labels[batch.Classes[i]], prompt, content,
                models.Labels[teacherLabel], teacherProbabilities[i][teacherLabel], models.Labels[ArgMax(studentLogits[i])],
                    batch.Origins[i], batch.Banned[i]));
            int intended = batch.Classes[i];
            window.Add(new QualitySample(sequences[i], prompt + content, teacherLabel, teacherProbabilities[i][teacherLabel],
                intended, intended < 0 ? 0 : teacherProbabilities[i][intended], SteeringSignals.IsArtifact(prompt, content)));
        }
        if (window.Count > config.Schedule.QualityWindow) window.RemoveRange(0, window.Count - config.Schedule.QualityWindow);
        var steered = window.TakeLast(batch.Count).ToList();
        Metric(MetricNames.ArtifactShare, steered.Average(s => s.Artifact ? 1.0 : 0.0));
        if (steered.Any(s => s.Intended >= 0))
        {
            Metric(MetricNames.IntendedProbability, steered.Where(s => s.Intended >= 0).Average(s => s.IntendedProbability));
            Metric(MetricNames.IntendedAgreement, steered.Where(s => s.Intended >= 0).Average(s => s.TeacherLabel == s.Intended ? 1.0
                : 0.0));
        }
    }

    /// <summary>Writes everything needed to continue exactly from this step: student, optimizers, replay, the source's state.</summary>
    public void SaveCheckpoint(string folder) => AtomicFolder.Replace(folder, staging =>
    {
        models.Student.save(Path.Combine(staging, "student.bin"));
        studentOptimizer.Save(Path.Combine(staging, "student-optimizer.bin"));
        replay.Save(Path.Combine(staging, "replay.bin"));
        source.SaveState(staging);
        File.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(new TrainerState(Step, SamplesSeen, window)));
    });

    public void LoadCheckpoint(string folder)
    {
        folder = AtomicFolder.Existing(folder);
        string statePath = Path.Combine(folder, StateFile);
        if (!File.Exists(statePath)) throw new FileNotFoundException($"'{folder}' is not a complete run checkpoint: {StateFile} is " +
            $"missing.", statePath);
        var state = CheckpointFiles.ReadJson<TrainerState>(statePath);
        if (state.Step > config.Schedule.Steps) throw new InvalidDataException($"The checkpoint is at step {state.Step}, past the run's " +
            $"{config.Schedule.Steps} steps.");
        CheckpointFiles.LoadWeights(models.Student, Path.Combine(folder, "student.bin"));
        studentOptimizer.Load(Path.Combine(folder, "student-optimizer.bin"));
        replay.Load(Path.Combine(folder, "replay.bin"));
        source.LoadState(folder);
        Step = state.Step;
        SamplesSeen = state.SamplesSeen;
        window.Clear();
        window.AddRange(state.Window);
    }

    private sealed record QualitySample(int[] Ids, string Text, int TeacherLabel, double Confidence, int Intended = -1,
        double IntendedProbability = 0, bool Artifact = false);
    private sealed record TrainerState(int Step, long SamplesSeen, List<QualitySample> Window);

    private Device Device => models.Prior.Body.TokenEmbedding.device;
    private void Metric(string name, double value) => emit(new MetricEvent(Step, SamplesSeen, name, value));
    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private static float[][] Rows(Tensor matrix)
    {
        float[] flat = matrix.cpu().data<float>().ToArray();
        int width = (int)matrix.shape[1];
        return Enumerable.Range(0, (int)matrix.shape[0]).Select(r => flat[(r * width)..((r + 1) * width)]).ToArray();
    }
}
