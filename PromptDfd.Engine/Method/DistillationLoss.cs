using PromptDfd.Engine.Infrastructure;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Method;

/// <summary>Hinton-style knowledge distillation: tau^2 * KL(softmax(z_T / tau) || softmax(z_S / tau)), averaged over the batch.</summary>
public static class DistillationLoss
{
    public static Tensor Compute(Tensor teacherLogits, Tensor studentLogits, double temperature)
    {
        if (temperature <= 0) throw new ArgumentException($"Distillation temperature must be positive (got {temperature}).");
        Tensor teacherLog = nn.functional.log_softmax(teacherLogits.detach().DividedBy(temperature), 1);
        Tensor studentLog = nn.functional.log_softmax(studentLogits.DividedBy(temperature), 1);
        // The tau^2 factor keeps gradient magnitudes comparable across temperatures.
        return (teacherLog.exp() * (teacherLog - studentLog)).sum(1).mean().Times(temperature * temperature);
    }

    /// <summary>Per-example KL(T || S) at temperature 1, the "hardness" of a sample for the student.</summary>
    public static Tensor PerExampleDivergence(Tensor teacherLogits, Tensor studentLogits)
    {
        Tensor teacherLog = nn.functional.log_softmax(teacherLogits, 1);
        Tensor studentLog = nn.functional.log_softmax(studentLogits, 1);
        return (teacherLog.exp() * (teacherLog - studentLog)).sum(1);
    }
}
