using PromptDfd.Engine.Distillation;
using PromptDfd.Engine.Method;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Distillation;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class DistillationLossTests
{
    [Fact]
    public void LossIsZeroWhenStudentMatchesTeacherAndPositiveOtherwise()
    {
        using Tensor teacher = tensor(new float[] { 2, 0, -1, 0.5f, 0.5f, 3 }, [2, 3]);
        Assert.Equal(0, DistillationLoss.Compute(teacher, teacher.clone(), 3).item<float>(), 6);
        using Tensor student = tensor(new float[] { 0, 2, -1, 3, 0.5f, 0.5f }, [2, 3]);
        Assert.True(DistillationLoss.Compute(teacher, student, 3).item<float>() > 0);
    }

    [Fact]
    public void LossEqualsTauSquaredTimesHandComputedKl()
    {
        using Tensor teacher = tensor(new float[] { 1, 0 }, [1, 2]);
        using Tensor student = tensor(new float[] { 0, 1 }, [1, 2]);
        double tau = 2;
        double p0 = 1 / (1 + Math.Exp(-0.5)), p1 = 1 - p0; // softmax([0.5, 0])
        double kl = p0 * Math.Log(p0 / p1) + p1 * Math.Log(p1 / p0); // student is the mirror image
        Assert.Equal(tau * tau * kl, DistillationLoss.Compute(teacher, student, tau).item<float>(), 5);
    }

    [Fact]
    public void GradientFlowsOnlyIntoTheStudent()
    {
        using Tensor teacher = tensor(new float[] { 1, 0 }, [1, 2], requires_grad: true);
        using Tensor student = tensor(new float[] { 0, 1 }, [1, 2], requires_grad: true);
        DistillationLoss.Compute(teacher, student, 2).backward();
        Assert.Null(teacher.grad);
        Assert.NotNull(student.grad);
    }
}
