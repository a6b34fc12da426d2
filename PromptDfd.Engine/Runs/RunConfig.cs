using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PromptDfd.Engine.Data;
using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Method;
using PromptDfd.Engine.Models;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// A run, fully typed: which task, which models, which student, the method's whole config and the seed
/// (in <see cref="Training"/>). Saved whole with the run, so every run can be re-created and compared key by key.
/// Model folders are relative to the workspace root unless absolute (see <see cref="Workspace"/>).
/// </summary>
public sealed record RunConfig
{
    public string Name { get; init; } = "";
    public string Task { get; init; } = "sentiment";
    /// <summary>The preset the run started from (informational; the config below is what counts).</summary>
    public string Preset { get; init; } = RunPresets.Default;
    /// <summary>Empty means the workspace's prior (models/prior); a run records the path it used.</summary>
    public string PriorFolder { get; init; } = "";
    /// <summary>Empty means the task's teacher (models/teachers/&lt;task&gt; in the workspace).</summary>
    public string TeacherFolder { get; init; } = "";
    public StudentConfig Student { get; init; } = new();
    /// <summary>
    /// A language model folder (written by pretrain with the student's shape and the prior's tokenizer) whose body the student
    /// starts from; by default the shipped one. Empty means seeded random weights, which is how a stored config without this field
    /// (a run from before it existed) reads back.
    /// </summary>
    public string StudentBodyFolder { get; init; } = DefaultStudentBody;

    /// <summary>The shipped language model of the default student's shape (issue #24, attempts 10 and 11).</summary>
    public const string DefaultStudentBody = "models/student-body";
    public MethodConfig Training { get; init; } = new();
    /// <summary>"cpu", "cuda" or "auto" (CUDA when a CUDA build of libtorch is present).</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>
    /// Pins the run to cluster workers of this kind ("gpu", or any label a worker advertises); empty: any worker. Where a run
    /// executes does not change what it computes, so finished runs answer a config whatever kind they asked for.
    /// </summary>
    public string WorkerKind { get; init; } = "";
    public IReadOnlyList<string> Tags { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunConfig FromJson(string json, string source = "config")
    {
        try
        {
            using (var document = JsonDocument.Parse(json)) RefuseNumbersBeyondDouble(document.RootElement, "", source);
            JsonNode? node = JsonNode.Parse(json);
            if (node is JsonObject root) AddEarlierDefaults(root);
            return node.Deserialize<RunConfig>(Json) ?? throw new InvalidDataException($"The {source} is empty.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"The {source} is not a valid run config: {error.Message}");
        }
    }

    /// <summary>Settings whose default changed after runs were stored, with what a config that lacks them meant when it was written.
    /// </summary>
    private static readonly (string[] Path, Func<JsonNode> Then)[] EarlierDefaults =
    [
        // Students started from random weights before they could start pre-trained (issue #24, attempt 11).
        ([nameof(StudentBodyFolder)], () => JsonValue.Create("")),
        // One content per prompt before best-of-N contents became the default (attempt 12).
        ([nameof(Training), nameof(MethodConfig.Selection), nameof(SelectionConfig.Candidates)], () => JsonValue.Create(1)),
    ];

    private static void AddEarlierDefaults(JsonObject root)
    {
        foreach (var (path, then) in EarlierDefaults)
        {
            JsonObject parent = root;
            foreach (string key in path[..^1])
            {
                if (parent[key] is not JsonObject child) parent[key] = child = new JsonObject();
                parent = child;
            }
            if (!parent.ContainsKey(path[^1])) parent[path[^1]] = then();
        }
    }

    // 1e400 reads as infinity, which passes range checks and then cannot be saved with the run.
    private static void RefuseNumbersBeyondDouble(JsonElement element, string path, string source)
    {
        if (element.ValueKind == JsonValueKind.Object)
            foreach (JsonProperty property in element.EnumerateObject())
                RefuseNumbersBeyondDouble(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", source);
        else if (element.ValueKind == JsonValueKind.Array)
            foreach (JsonElement item in element.EnumerateArray()) RefuseNumbersBeyondDouble(item, path, source);
        else if (element.ValueKind == JsonValueKind.Number && !(element.TryGetDouble(out double value) && double.IsFinite(value)))
            throw new InvalidDataException($"{path} in the {source} is {element.GetRawText()}, beyond what a number here can hold; " +
                "give a finite value.");
    }

    /// <summary>Checks what can be checked without loading models; every problem is listed at once.</summary>
    public void Validate() => ConfigProblems.ThrowIfAny("run", Problems());

    /// <summary>Every problem with the run's own values (not its method's), each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (TaskNames.Problem(Task) is string taskProblem) problems.Add(taskProblem);
        if (Device is not ("cpu" or "cuda" or "auto")) problems.Add($"Device must be cpu, cuda or auto (got '{Device}')");
        if (Student.Layers < 1 || Student.Width < 8 || Student.Heads < 1 || Student.Width % Student.Heads != 0)
            problems.Add($"Student needs at least 1 layer, width >= 8 divisible by its heads (got {Student.Layers} layers, width " +
                $"{Student.Width}, {Student.Heads} heads)");
        if (Student.Dropout is < 0 or >= 1) problems.Add($"Student.Dropout must be in [0, 1) (got {Student.Dropout})");
        if (WorkerKind.Length > 40 || !WorkerKind.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            problems.Add($"WorkerKind must be empty (any worker) or a label of up to 40 letters, digits, '-', '_' or '.' (got '{WorkerKind}')");
        if (Name.Length > 200) problems.Add("Name is longer than 200 characters");
        return problems;
    }
}
