using System.Globalization;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models.Formats;

namespace PromptDfd.Engine.Models;

/// <summary>How one tensor of two checkpoints differs: values that differ, and how many of those by one rounding step.</summary>
public sealed record TensorDifference(string Name, long Values, long Differing, long OneStep, double Largest, string StepType);

/// <summary>
/// Compares two checkpoints of the same architecture value by value. Re-creating a model from its card on another
/// processor or thread count gives the same curves but not always the same bytes; whether the differences are
/// rounding (one step of the stored precision, almost everywhere) or a real change is what this tells apart.
/// Values are compared as numbers, so +0 and −0 are equal: two files can hash differently and still compare identical.
/// </summary>
public sealed class WeightsComparison
{
    private WeightsComparison(IReadOnlyList<TensorDifference> tensors) => Tensors = tensors;

    /// <summary>Every tensor, in name order.</summary>
    public IReadOnlyList<TensorDifference> Tensors { get; }

    public long Values => Tensors.Sum(t => t.Values);
    public long Differing => Tensors.Sum(t => t.Differing);
    public long OneStep => Tensors.Sum(t => t.OneStep);
    public TensorDifference? LargestDifference => Tensors.Where(t => t.Differing > 0).MaxBy(t => t.Largest);

    /// <param name="first">a checkpoint folder or a weights file (.safetensors, or torch.save's .bin)</param>
    /// <param name="second">another of the same architecture</param>
    public static WeightsComparison Of(string first, string second)
    {
        var a = Read(first);
        var b = Read(second);
        RequireSameLayout(a, b, first, second);
        return new WeightsComparison(a.Keys.Order(StringComparer.Ordinal).Select(name => Compare(a[name], b[name])).ToList());
    }

    private static IReadOnlyDictionary<string, NamedArray> Read(string checkpoint) =>
        File.Exists(checkpoint) ? CheckpointWeights.ReadFile(checkpoint) : CheckpointWeights.Of(checkpoint).Read();

    /// <summary>The SHA-256 of a weights file as given, or of a checkpoint folder's weights.</summary>
    public static string WeightsSha256(string checkpoint) =>
        File.Exists(checkpoint) ? FileHash.Sha256(checkpoint) : CheckpointWeights.Of(checkpoint).Sha256();

    public override string ToString()
    {
        if (Differing == 0) return FormattableString.Invariant($"all {Values:N0} values in {Tensors.Count} tensors are identical");
        var largest = LargestDifference!;
        string steps = string.Join(" or ", Tensors.Where(t => t.Differing > 0).Select(t => StepName(t.StepType)).Distinct());
        return string.Create(CultureInfo.InvariantCulture,
            $"{Differing:N0} of {Values:N0} values in {Tensors.Count} tensors differ ({100.0 * Differing / Values:F2} %), {OneStep:N0} " +
                $"of them by one {steps} step; largest difference {largest.Largest:G2} (in {largest.Name})");
    }

    private static TensorDifference Compare(NamedArray a, NamedArray b)
    {
        // Both stored at the same precision: a step is that precision's; otherwise the finer, float32, is what both read as.
        string stepType = a.StoredType == b.StoredType ? a.StoredType : "F32";
        long differing = 0, oneStep = 0;
        double largest = 0;
        for (int i = 0; i < a.Values.Length; i++)
        {
            float x = a.Values[i], y = b.Values[i];
            if (x.Equals(y)) continue;
            differing++;
            largest = Math.Max(largest, Math.Abs((double)x - y));
            if (StepsApart(x, y, stepType) == 1) oneStep++;
        }
        return new TensorDifference(a.Name, a.Values.LongLength, differing, oneStep, largest, stepType);
    }

    /// <summary>How many representable values of the stored type lie between x and y, counting across zero.</summary>
    private static long StepsApart(float x, float y, string storedType) => Math.Abs(Position(x, storedType) - Position(y, storedType));

    /// <summary>The value's place on the stored type's number line, where neighbours are one apart and both zeros are 0.</summary>
    private static long Position(float value, string storedType)
    {
        var (bits, signBit) = storedType switch
        {
            "F16" => ((long)BitConverter.HalfToInt16Bits((Half)value), 15),
            "BF16" => ((long)(short)(BitConverter.SingleToInt32Bits(value) >> 16), 15),
            _ => (BitConverter.SingleToInt32Bits(value), 31),
        };
        long magnitude = bits & ((1L << signBit) - 1);
        return (bits >> signBit & 1) == 1 ? -magnitude : magnitude;
    }

    private static string StepName(string storedType) => storedType switch
    {
        "F16" => "float16",
        "BF16" => "bfloat16",
        _ => "float32",
    };

    private static void RequireSameLayout(IReadOnlyDictionary<string, NamedArray> a, IReadOnlyDictionary<string, NamedArray> b,
        string first, string second)
    {
        var onlyFirst = a.Keys.Except(b.Keys).Order(StringComparer.Ordinal).ToList();
        var onlySecond = b.Keys.Except(a.Keys).Order(StringComparer.Ordinal).ToList();
        if (onlyFirst.Count > 0 || onlySecond.Count > 0)
        {
            string Names(List<string> names) => names.Count == 0 ? "none" : string.Join(", ", names.Take(3))
                + (names.Count > 3 ? $" and {names.Count - 3} more" : "");
            throw new InvalidDataException(
                $"'{first}' and '{second}' do not hold the same tensors (only in the first: {Names(onlyFirst)}; only in the second: " +
                    $"{Names(onlySecond)}). Compare two checkpoints of the same architecture.");
        }
        foreach (var (name, array) in a)
        {
            if (!array.Shape.SequenceEqual(b[name].Shape))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"Tensor '{name}' is [{string.Join(", ", array.Shape)}] in '{first}' but [{string.Join(", ", b[name].Shape)}] in " +
                        $"'{second}'. Compare two checkpoints of the same architecture."));
            }
        }
    }
}
