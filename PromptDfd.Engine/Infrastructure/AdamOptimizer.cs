using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>
/// Adam (L2 penalty added to the gradient) and AdamW (decoupled weight decay), doing the same libtorch calls in the
/// same order as TorchSharp's, so updates are bit-identical. TorchSharp 0.107's optimizers pass implicitly
/// converted Scalars (<c>add_(grad, alpha: 1 - beta1)</c>) that the GC thread can finalise while libtorch still
/// reads them: it crashed a fixed-prompt run in <c>add_</c> ("toFloat at Scalar.h"). Here every Scalar is held
/// until the call that reads it has returned.
/// </summary>
public sealed class AdamOptimizer : IDisposable
{
    /// <summary>Parameters sharing a weight decay (nanoGPT decays matrices only) and a multiple of the schedule's learning
    /// rate (layer-wise learning rates give the lower layers of a pre-trained body smaller steps).</summary>
    public sealed record ParameterGroup(IReadOnlyList<Parameter> Parameters, double WeightDecay = 0, double LearningRateScale = 1);

    private const string StateFormat = "PromptDfd.AdamOptimizer/1";

    private sealed class Moments(Tensor mean, Tensor square)
    {
        public long Step;
        public readonly Tensor Mean = mean;
        public readonly Tensor Square = square;
    }

    private readonly List<(ParameterGroup Group, Moments[] Moments)> groups;
    private readonly bool decoupledWeightDecay;
    private readonly double beta1, beta2;
    private readonly Scalar beta1Held, beta2Held, oneMinusBeta1, oneMinusBeta2, epsilon;

    /// <param name="beta2">0.999 by default, as in TorchSharp 0.107 and PyTorch.</param>
    public AdamOptimizer(IEnumerable<ParameterGroup> parameterGroups, double learningRate, bool decoupledWeightDecay,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate,
            "The learning rate must be 0 or more.");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be 0 or more.");
        LearningRate = learningRate;
        this.decoupledWeightDecay = decoupledWeightDecay;
        this.beta1 = beta1;
        this.beta2 = beta2;
        beta1Held = beta1.ToScalar();
        beta2Held = beta2.ToScalar();
        oneMinusBeta1 = (1 - beta1).ToScalar();
        oneMinusBeta2 = (1 - beta2).ToScalar();
        this.epsilon = epsilon.ToScalar();
        using var noGrad = no_grad();
        groups = parameterGroups.Select(g =>
        {
            if (!(g.WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(parameterGroups), g.WeightDecay,
                "Weight decay must be 0 or more.");
            if (!(g.LearningRateScale >= 0)) throw new ArgumentOutOfRangeException(nameof(parameterGroups), g.LearningRateScale,
                "A group's learning-rate scale must be 0 or more.");
            return (g, g.Parameters.Select(p => new Moments(zeros_like(p).DetachFromDisposeScope(),
                zeros_like(p).DetachFromDisposeScope())).ToArray());
        }).ToList();
    }

    public static AdamOptimizer Adam(IEnumerable<Parameter> parameters, double learningRate) =>
        new([new ParameterGroup(parameters.ToList())], learningRate, decoupledWeightDecay: false);

    public static AdamOptimizer AdamW(IEnumerable<Parameter> parameters, double learningRate, double weightDecay = 0) =>
        new([new ParameterGroup(parameters.ToList(), weightDecay)], learningRate, decoupledWeightDecay: true);

    /// <summary>The rate the next <see cref="Step"/> uses; schedules set it before each step.</summary>
    public double LearningRate { get; set; }

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var (group, _) in groups)
            foreach (Parameter parameter in group.Parameters)
                parameter.grad?.zero_();
    }

    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (group, moments) in groups)
        {
            double rate = LearningRate * group.LearningRateScale;
            for (int i = 0; i < group.Parameters.Count; i++)
            {
                Parameter parameter = group.Parameters[i];
                Tensor? gradient = parameter.grad;
                if (gradient is null) continue;
                Moments state = moments[i];
                state.Step++;
                double biasCorrection1 = 1 - Math.Pow(beta1, state.Step);
                double biasCorrection2 = 1 - Math.Pow(beta2, state.Step);
                if (decoupledWeightDecay)
                {
                    using Scalar shrink = (1 - rate * group.WeightDecay).ToScalar();
                    parameter.mul_(shrink);
                }
                else if (group.WeightDecay != 0)
                {
                    using Scalar decay = group.WeightDecay.ToScalar();
                    gradient = gradient.add(parameter, decay);
                }
                state.Mean.mul_(beta1Held).add_(gradient, oneMinusBeta1);
                state.Square.mul_(beta2Held).addcmul_(gradient, gradient, oneMinusBeta2);
                Tensor denominator = state.Square.sqrt().DividedBy(Math.Sqrt(biasCorrection2)).add_(epsilon);
                using Scalar stepSize = (-(rate / biasCorrection1)).ToScalar();
                parameter.addcdiv_(state.Mean, denominator, stepSize);
            }
        }
    }

    /// <summary>Writes the step counts and moments, so a resumed run continues exactly.</summary>
    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(StateFormat);
        writer.Write(decoupledWeightDecay);
        var all = groups.SelectMany(g => g.Moments).ToList();
        writer.Write(all.Count);
        foreach (Moments state in all)
        {
            writer.Write(state.Step);
            WriteTensor(writer, state.Mean);
            WriteTensor(writer, state.Square);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote, refusing state that belongs to other parameters.</summary>
    public void Load(string path)
    {
        var all = groups.SelectMany(g => g.Moments).ToList();
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            string format = reader.ReadString();
            if (format != StateFormat)
                throw new InvalidDataException($"'{path}' is not optimizer state this version can read (format '{format}', expected " +
                    $"'{StateFormat}'). Start the run again from its config instead of resuming it.");
            bool decoupled = reader.ReadBoolean();
            if (decoupled != decoupledWeightDecay)
                throw new InvalidDataException($"'{path}' holds {(decoupled ? "AdamW" : "Adam")} state but this optimizer is " +
                    $"{(decoupledWeightDecay ? "AdamW" : "Adam")}.");
            int count = reader.ReadInt32();
            if (count != all.Count)
                throw new InvalidDataException($"'{path}' holds optimizer state for {count} parameters; the model being resumed has " +
                    $"{all.Count}. The checkpoint belongs to a different model.");
            var loaded = new (long Step, byte[] Mean, byte[] Square)[count];
            for (int i = 0; i < count; i++)
                loaded[i] = (reader.ReadInt64(), ReadTensorBytes(reader, all[i].Mean, path, i),
                    ReadTensorBytes(reader, all[i].Square, path, i));
            // Only once everything has been read and checked, so a bad file leaves the optimizer as it was.
            using var noGrad = no_grad();
            for (int i = 0; i < count; i++)
            {
                all[i].Step = loaded[i].Step;
                CopyBytesInto(all[i].Mean, loaded[i].Mean);
                CopyBytesInto(all[i].Square, loaded[i].Square);
            }
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' ends early: the optimizer state is truncated. Resume from an earlier checkpoint or " +
                $"start the run again.");
        }
    }

    private static void WriteTensor(BinaryWriter writer, Tensor tensor)
    {
        writer.Write((int)tensor.dtype);
        writer.Write((int)tensor.dim());
        foreach (long size in tensor.shape) writer.Write(size);
        using Tensor onCpu = tensor.cpu().contiguous();
        byte[] data = onCpu.bytes.ToArray();
        writer.Write(data.Length);
        writer.Write(data);
    }

    private static byte[] ReadTensorBytes(BinaryReader reader, Tensor expected, string path, int index)
    {
        var dtype = (ScalarType)reader.ReadInt32();
        long[] shape = new long[reader.ReadInt32()];
        for (int d = 0; d < shape.Length; d++) shape[d] = reader.ReadInt64();
        if (dtype != expected.dtype || !shape.SequenceEqual(expected.shape))
            throw new InvalidDataException($"'{path}': optimizer state {index} is {dtype} [{string.Join(", ", shape)}] but the parameter " +
                $"is {expected.dtype} [{string.Join(", ", expected.shape)}]. The checkpoint belongs to a different model.");
        int length = reader.ReadInt32();
        byte[] data = reader.ReadBytes(length);
        if (data.Length != length) throw new EndOfStreamException();
        return data;
    }

    private static void CopyBytesInto(Tensor target, byte[] data)
    {
        using Tensor onCpu = empty(target.shape, target.dtype);
        onCpu.bytes = data;
        target.copy_(onCpu);
    }

    public void Dispose()
    {
        foreach (Moments state in groups.SelectMany(g => g.Moments))
        {
            state.Mean.Dispose();
            state.Square.Dispose();
        }
        foreach (Scalar held in new[] { beta1Held, beta2Held, oneMinusBeta1, oneMinusBeta2, epsilon }) held.Dispose();
    }
}
