using PromptDfd.Tests.Support;
using PromptDfd.Web.Components.Runs;

namespace PromptDfd.Tests.Web;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class FormProblemTextTests
{
    [Theory]
    [InlineData("Training.Prompter: LearningRate must be positive (got 0)",
        "Prompter lr must be positive (got 0) (Training.Prompter.LearningRate)")]
    [InlineData("Training.Distillation: LearningRate must be positive (got 0)",
        "Student lr must be positive (got 0) (Training.Distillation.LearningRate)")]
    [InlineData("Training.Reward: Hardness weight must be non-negative (got -1)",
        "Hardness weight must be non-negative (got -1) (in Training.Reward)")]
    [InlineData("Training.Schedule: QualityWindow must be at least 2 (got 1)", "QualityWindow must be at least 2 (got 1) (in Training.Schedule)")]
    [InlineData("Student.Dropout must be in [0, 1) (got 2)", "Student.Dropout must be in [0, 1) (got 2)")]
    public void AProblemNamesTheFieldsLabelWhereTheFormHasOne(string problem, string shown) =>
        Assert.Equal(shown, FormProblemText.Readable(problem));
}
