using PromptDfd.Engine.Models;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Models;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class StudentConfigTests
{
    [Fact]
    public void DefaultStudentIsSeveralTimesSmallerThanTheShippedTeacherShape()
    {
        var teacher = new GptClassifier(new GptConfig(), 4);
        var student = new StudentConfig().Create(8000, 128, 4, seed: 1);
        long teacherParameters = teacher.parameters().Sum(p => p.numel()), studentParameters = student.parameters().Sum(p => p.numel());
        Assert.True(teacherParameters >= 3 * studentParameters, $"teacher {teacherParameters}, student {studentParameters}");
        Assert.Equal(teacher.TokenEmbedding.shape[0], student.TokenEmbedding.shape[0]);
    }

    [Fact]
    public void SameSeedCreatesTheSameStudent()
    {
        var first = new StudentConfig().Create(300, 32, 2, seed: 9);
        var second = new StudentConfig().Create(300, 32, 2, seed: 9);
        var pairs = first.parameters().Zip(second.parameters());
        Assert.All(pairs, p => Assert.True(p.First.eq(p.Second).all().item<bool>()));
    }
}
