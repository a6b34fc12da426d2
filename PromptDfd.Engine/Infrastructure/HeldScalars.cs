using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>
/// TorchSharp's <c>a + b</c> is <c>a.add(b, 1)</c> with an implicitly converted Scalar that nothing keeps alive
/// once its handle is passed to libtorch, so a garbage collection mid-call can finalise it while libtorch reads it
/// ("Expected false to be true ... toFloat at Scalar.h"). It crashed fixed-prompt and unconditional runs inside the
/// GPT's residual additions. Hot paths add through <see cref="Plus"/>, whose Scalar lives for the process.
/// </summary>
public static class HeldScalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();

    /// <summary><c>a + b</c> without a short-lived Scalar.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a * value</c> with the Scalar held until libtorch has returned.</summary>
    public static Tensor Times(this Tensor a, double value)
    {
        using Scalar held = value.ToScalar();
        return a.mul(held);
    }

    /// <summary><c>a / value</c> with the Scalar held until libtorch has returned.</summary>
    public static Tensor DividedBy(this Tensor a, double value)
    {
        using Scalar held = value.ToScalar();
        return a.div(held);
    }
}
