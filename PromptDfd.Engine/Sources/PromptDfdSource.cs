using System.Text.Json;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Metrics;
using PromptDfd.Engine.Prompter;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Sources;

/// <summary>
/// PromptDFD's synthesis: the topic prompter writes a prompt for each sampled class (some samples use the
/// user's manual prompts instead), the frozen prior continues it, and the prompter learns from the rewards of its
/// own prompts only (manual prompts are off-policy). Banned prompts earn a penalty and are never distilled.
/// </summary>
public sealed class PromptDfdSource : ISampleSource
{
    private const int RecentPerClass = 64;
    private readonly MethodConfig config;
    private readonly DistillationModels models;
    private readonly RandomSources random;
    private readonly TopicPrompter prompter;
    private readonly TopicPrompter? referencePrompter;
    private readonly PolicyGradientUpdater updater;
    private readonly RewardCalculator rewards;
    private readonly PromptSteering steering;
    private readonly List<(string Prompt, double Reward)>[] recent;
    private readonly SampleReader reader;
    private readonly bool promptsFromReference;

    public PromptDfdSource(MethodConfig config, DistillationModels models, RandomSources random, IReadOnlyDictionary<string,
        string[]> topicPrompts, SampleReader reader)
    {
        this.config = config;
        this.models = models;
        this.random = random;
        this.reader = reader;
        // A prompter that is never trained is P_0 itself: its prompts are drawn from the prior, exactly, not from
        // the class-prefixed copy (whose random prefix would make "no RL" a slightly different distribution).
        promptsFromReference = config.Prompter.WarmStartSteps == 0 && config.Schedule.PrompterUpdates == 0;
        prompter = new TopicPrompter(models.Prior, models.Labels.Count, models.Tokenizer.EndOfTextId, config.Prompter);
        updater = new PolicyGradientUpdater(prompter);
        rewards = new RewardCalculator(config.Reward);
        steering = new PromptSteering(PromptRules.ForPrior(models.Labels, models.Tokenizer, models.Prior.Config.ContextLength,
            config.Content.MaxNewTokens));
        if (config.PoolTopicPrompts)
            foreach (var (label, prompts) in topicPrompts)
                foreach (string prompt in prompts) steering.Apply(new SteeringCommand(SteeringAction.Add, label, prompt));
        WarmStartPrompts = config.Prompter.WarmStartSteps == 0 ? new Dictionary<string, string[]>()
            : config.Prompter.WarmStartFrom == Engine.Method.WarmStartPrompts.MinedFromTeacher
                ? TopicWordMiner.Prompts(models.Labels, TopicWordMiner.Mine(models.Tokenizer, models.Labels.Count,
                    reader.TeacherProbabilities, config.Prompter.Mining), config.Prompter.Mining)
                : topicPrompts;
        var warmStart = WarmStartPrompts.SelectMany(p => p.Value.Select(text =>
            (models.Labels.ToList().IndexOf(p.Key), models.Tokenizer.Encode(text).ToArray()))).ToList();
        WarmStartLoss = prompter.WarmStart(warmStart, config.Prompter.WarmStartSteps, config.Prompter.LearningRate);
        // Taken before any checkpoint is loaded: the warm start is deterministic, so a resumed run rebuilds the same reference.
        if (config.Reward.PlausibilityReference == PlausibilityReference.WarmStartedPrompter && config.Prompter.WarmStartSteps > 0)
            referencePrompter = prompter.FrozenCopy();
        recent = Enumerable.Range(0, models.Labels.Count).Select(_ => new List<(string, double)>()).ToArray();
    }

    public TopicPrompter Prompter => prompter;

    /// <summary>Mean negative log-likelihood of the warm-start prompts after the warm start (NaN without one).</summary>
    public double WarmStartLoss { get; }

    /// <summary>The prompts the prompter was warm-started on, per class (empty without a warm start).</summary>
    public IReadOnlyDictionary<string, string[]> WarmStartPrompts { get; }
    public PromptSteering Steering => steering;

    public SyntheticBatch Draw(int count)
    {
        int[] classes = random.UniformClasses(count, models.Labels.Count);
        var prompts = new int[count][];
        var origins = new PromptOrigin[count];
        var pinnedUsed = new HashSet<(int, string)>();
        var policyRows = new List<int>();
        for (int i = 0; i < count; i++)
        {
            var manual = steering.Manual(classes[i]);
            ManualPrompt? pinned = manual.FirstOrDefault(p => p.Pinned && pinnedUsed.Add((classes[i], p.Text)));
            if (pinned is not null) (prompts[i], origins[i]) = (Encode(pinned.Text), PromptOrigin.Pinned);
            else if (manual.Count > 0 && random.Random.NextDouble() < config.ManualPromptFraction)
                (prompts[i], origins[i]) = (Encode(manual[random.Random.Next(manual.Count)].Text), PromptOrigin.Manual);
            else { origins[i] = PromptOrigin.Policy; policyRows.Add(i); }
        }
        if (policyRows.Count > 0)
        {
            var rowClasses = policyRows.Select(r => classes[r]).ToList();
            long[][] sampled = promptsFromReference ? prompter.SampleReference(rowClasses.Count, random.Generator)
                : prompter.Sample(rowClasses, random.Generator);
            for (int j = 0; j < policyRows.Count; j++) prompts[policyRows[j]] =
                sampled[j].TakeWhile(t => t != models.Tokenizer.EndOfTextId).Select(t => (int)t).ToArray();
        }
        bool[] banned = prompts.Select((p, i) => steering.IsBanned(classes[i], models.Tokenizer.Decode(p))).ToArray();
        int[][] contents = PriorContinuation.Continue(models, prompts, classes, config, reader, random.Generator);
        return new SyntheticBatch(classes, prompts, contents, origins, banned);
    }

    public void Learn(SyntheticBatch batch, Tensor teacherLogits, Tensor studentLogits, Action<string, double> metric)
    {
        int[] rows = Enumerable.Range(0, batch.Count).Where(i => batch.Origins[i] == PromptOrigin.Policy).ToArray();
        if (rows.Length == 0) return;
        int[] classes = rows.Select(r => batch.Classes[r]).ToArray();
        // Scored as written: the prompt, then end-of-text in the slots after one that ended early.
        long[][] prompts = rows.Select(r => batch.Prompts[r].Select(t => (long)t)
            .Concat(Enumerable.Repeat((long)models.Tokenizer.EndOfTextId,
                config.Prompter.PromptLength - batch.Prompts[r].Length)).ToArray()).ToArray();
        string[] texts = rows.Select(r => models.Tokenizer.Decode(batch.Prompts[r])).ToArray();
        RewardBreakdown breakdown;
        double plausibilityWeight = rewards.PlausibilityWeight;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor index = tensor(rows.Select(r => (long)r).ToArray()).to(teacherLogits.device);
            double[] policy = ToDoubles(prompter.Score(classes, prompts).LogProbability);
            double[] reference = ToDoubles(referencePrompter is not null
                ? referencePrompter.Score(classes, prompts).LogProbability
                : TopicPrompter.ReferenceLogProbability(models.Prior, prompts, models.Tokenizer.EndOfTextId,
                    config.Prompter.VariableLength));
            breakdown = rewards.Score(teacherLogits.index_select(0, index), studentLogits.index_select(0, index), classes, policy,
                reference, texts, RelevanceReadings(batch, rows), LowerCasedHardnessReadings(batch, rows));
        }
        double[] total = breakdown.Total.Select((t, j) => batch.Banned[rows[j]] ? t - config.BannedPromptPenalty : t).ToArray();
        PolicyUpdateStatistics? statistics = null;
        for (int update = 0; update < config.Schedule.PrompterUpdates; update++) statistics = updater.Update(classes, prompts, total);

        metric(MetricNames.RewardTotal, total.Average());
        metric(MetricNames.RewardRelevance, breakdown.Relevance.Average());
        metric(MetricNames.RewardHardness, breakdown.Hardness.Average());
        metric(MetricNames.RewardPlausibility, breakdown.Plausibility.Average());
        metric(MetricNames.RewardDiversity, breakdown.Diversity.Average());
        metric(MetricNames.RewardStd, StandardDeviation(total));
        metric(MetricNames.PrompterKlToReference, -breakdown.Plausibility.Average());
        metric(MetricNames.PrompterPlausibilityWeight, plausibilityWeight);
        if (statistics is not null) metric(MetricNames.PrompterEntropy, statistics.Entropy);
        for (int j = 0; j < rows.Length; j++) Remember(classes[j], texts[j], total[j]);
        foreach (var group in classes.Select((c, j) => (c, j)).GroupBy(p => p.c))
            metric(MetricNames.RewardOfClass(models.Labels[group.Key]), group.Average(p => total[p.j]));
    }

    public void Steer(SteeringCommand command) => steering.Apply(command);

    /// <summary>Teacher and student on the samples lower-cased, when hardness must not pay for case
    /// (RewardConfig.CaseRobustHardness).</summary>
    private List<(Tensor, Tensor)> LowerCasedHardnessReadings(SyntheticBatch batch, int[] rows)
    {
        if (!config.Reward.CaseRobustHardness) return [];
        var lowered = rows.Select(r => reader.LowerCased(batch.Prompts[r].Concat(batch.Contents[r]).ToArray())).ToList();
        return [(reader.TeacherLogits(lowered), reader.StudentLogits(lowered))];
    }

    /// <summary>The teacher's logits on each text relevance is judged on (RewardConfig.RelevanceOn, CaseRobustRelevance).</summary>
    private List<Tensor>? RelevanceReadings(SyntheticBatch batch, int[] rows)
    {
        // The sample as distilled was already read by the teacher: no second reading (and bit for bit the old reward).
        if (config.Reward.RelevanceOn == RelevanceText.Sample && !config.Reward.CaseRobustRelevance) return null;
        int[][] texts = rows.Select(r => config.Reward.RelevanceOn == RelevanceText.Content ? batch.Contents[r]
            : batch.Prompts[r].Concat(batch.Contents[r]).ToArray()).ToArray();
        var readings = new List<Tensor> { reader.TeacherLogits(texts) };
        if (config.Reward.CaseRobustRelevance) readings.Add(reader.TeacherLogits(texts.Select(reader.LowerCased).ToList()));
        return readings;
    }

    public IReadOnlyDictionary<string, IReadOnlyList<PromptStatistic>> TopPrompts(int perClass) =>
        Enumerable.Range(0, models.Labels.Count).ToDictionary(c => models.Labels[c], c => (IReadOnlyList<PromptStatistic>)recent[c]
            .GroupBy(p => p.Prompt, StringComparer.Ordinal)
            .Select(g => new PromptStatistic(g.Key, g.Average(p => p.Reward), g.Count()))
            .OrderByDescending(p => p.Reward).Take(perClass).ToList());

    public void SaveState(string folder)
    {
        prompter.save(Path.Combine(folder, "prompter.bin"));
        updater.Save(Path.Combine(folder, "prompter-optimizer.bin"));
        var state = new SourceState(steering.Snapshot(), rewards.RecentPrompts.ToList(),
            recent.Select(r => r.Select(p => new PromptStatistic(p.Prompt, p.Reward, 1)).ToList()).ToList(),
            rewards.PlausibilityWeight);
        File.WriteAllText(Path.Combine(folder, "prompter-state.json"), JsonSerializer.Serialize(state));
    }

    public void LoadState(string folder)
    {
        CheckpointFiles.LoadWeights(prompter, Path.Combine(folder, "prompter.bin"));
        updater.Load(Path.Combine(folder, "prompter-optimizer.bin"));
        var state = CheckpointFiles.ReadJson<SourceState>(Path.Combine(folder, "prompter-state.json"));
        foreach (SteeringCommand command in state.Steering) steering.Apply(command);
        rewards.RestoreRecentPrompts(state.RewardWindow);
        // Checkpoints written before the KL budget existed had a fixed beta, which is what the calculator starts from.
        if (state.PlausibilityWeight is double weight) rewards.RestorePlausibilityWeight(weight);
        for (int c = 0; c < recent.Length && c < state.Recent.Count; c++)
        {
            recent[c].Clear();
            recent[c].AddRange(state.Recent[c].Select(p => (p.Prompt, p.Reward)));
        }
    }

    private sealed record SourceState(IReadOnlyList<SteeringCommand> Steering, List<string> RewardWindow,
        List<List<PromptStatistic>> Recent, double? PlausibilityWeight = null);

    private void Remember(int label, string prompt, double reward)
    {
        recent[label].Add((prompt, reward));
        if (recent[label].Count > RecentPerClass) recent[label].RemoveAt(0);
    }

    private int[] Encode(string text) => models.Tokenizer.Encode(text).ToArray();
    private static double[] ToDoubles(Tensor values) => values.cpu().to_type(ScalarType.Float64).data<double>().ToArray();

    private static double StandardDeviation(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }
}
