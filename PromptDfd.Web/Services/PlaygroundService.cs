using Microsoft.Extensions.Options;
using PromptDfd.Engine;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;
using PromptDfd.Engine.Prompter;
using PromptDfd.Engine.Sources;
using PromptDfd.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Web.Services;

/// <param name="TeacherFolder">null: the task's teacher</param>
public sealed record PlaygroundRequest(string Task, string Prompt, int Count, string Generator, string? StudentFolder, double Temperature =
    1.0, double TopP = 0.95, int ContentTokens = 32, long Seed = 1,
    string? TeacherFolder = null);

public sealed record PlaygroundSample(string Prompt, string Content, string TeacherLabel, double TeacherConfidence, string? StudentLabel,
    double? StudentConfidence);

/// <summary>
/// Writes samples for a typed topic prompt with a chosen generator and labels them with the task's teacher or another (and a
/// run's student, if picked). One request at a time, on the process's libtorch thread ahead of runs and teachers;
/// models are loaded once and kept.
/// </summary>
public sealed class PlaygroundService(IOptions<DashboardOptions> options, TorchJobQueue torch)
{
    public const int MaximumCount = 64;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, (DateTime Written, object Model)> cache = new();

    public async Task<IReadOnlyList<PlaygroundSample>> Generate(PlaygroundRequest request, CancellationToken cancellation = default)
    {
        if (request.Count is < 1 or > MaximumCount) throw new ArgumentException($"Generate between 1 and {MaximumCount} samples (asked " +
            $"for {request.Count}).");
        await gate.WaitAsync(cancellation);
        try
        {
            // Ahead of runs and teacher training, which yield to it between their steps.
            return await torch.Invoke("playground", TorchJobPriority.Interactive, request.Seed, () =>
                GenerateNow(request)).WaitAsync(cancellation);
        }
        finally
        {
            gate.Release();
        }
    }

    private IReadOnlyList<PlaygroundSample> GenerateNow(PlaygroundRequest request)
    {
        var generator = Load(request.Generator, folder => Checkpoint.LoadLanguageModel(folder));
        var teacher = Load(request.TeacherFolder ?? options.Value.Workspace().Teacher(request.Task), folder =>
            Checkpoint.LoadClassifier(folder));
        var student = request.StudentFolder is null ? null : Load(request.StudentFolder, folder => Checkpoint.LoadClassifier(folder));
        // The same checks as steering a run: an absurd prompt gets a reason, not a crash.
        PromptRules.ForPrior(teacher.Labels, generator.Tokenizer, generator.Model.Config.ContextLength, request.ContentTokens)
            .Check(new SteeringCommand(SteeringAction.Add, teacher.Labels[0], request.Prompt));
        int[] prompt = generator.Tokenizer.Encode(request.Prompt.Trim()).ToArray();
        var sampling = new SamplingConfig { Temperature = request.Temperature, TopP = request.TopP, MaxNewTokens = request.ContentTokens };
        int[][] generated = PriorContinuation.Continue(generator.Model, generator.Tokenizer,
            Enumerable.Repeat(prompt, request.Count).ToList(), sampling, new Generator((ulong)request.Seed));
        string promptText = generator.Tokenizer.Decode(prompt);
        var contents = generated.Select(t => generator.Tokenizer.Decode(t)).ToList();
        var texts = contents.Select(c => promptText + c).ToList();
        // Each classifier reads the text in its own tokens and context, as it would anywhere else.
        float[][] teacherProbabilities = ClassifierInference.Probabilities(teacher.Module,
            new TextBatcher(teacher.Tokenizer, teacher.Classifier.ContextLength), texts);
        float[][]? studentProbabilities = student is null ? null : ClassifierInference.Probabilities(student.Module,
            new TextBatcher(student.Tokenizer, student.Classifier.ContextLength), texts);
        return texts.Select((_, i) =>
        {
            int t = ArgMax(teacherProbabilities[i]);
            int? s = studentProbabilities is null ? null : ArgMax(studentProbabilities[i]);
            return new PlaygroundSample(promptText, contents[i], teacher.Labels[t], teacherProbabilities[i][t], s is null ? null
                : student!.Labels[s.Value], s is null ? null : studentProbabilities![i][s.Value]);
        }).ToList();
    }

    /// <remarks>Keyed by the weights file's time as well as the folder: a teacher retrained on the Models page is used at once.</remarks>
    private T Load<T>(string folder, Func<string, T> load) where T : class
    {
        string path = options.Value.Resolve(folder);
        DateTime written = WeightsWrittenAt(path);
        lock (cache)
        {
            if (cache.TryGetValue(path, out var known) && known.Written == written) return (T)known.Model;
            T loaded = load(path);
            cache[path] = (written, loaded);
            return loaded;
        }
    }

    // Whichever form the weights take (one file, shards, safetensors or torch.save); a folder without any fails on load.
    private static DateTime WeightsWrittenAt(string folder)
    {
        try { return CheckpointWeights.Of(folder).Files.Max(File.GetLastWriteTimeUtc); }
        catch (Exception error) when (error is IOException or InvalidDataException) { return DateTime.MinValue; }
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
