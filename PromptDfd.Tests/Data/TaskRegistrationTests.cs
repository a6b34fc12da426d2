using PromptDfd.Engine;
using PromptDfd.Engine.Data;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Data;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class TaskRegistrationTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    [Fact]
    public void AUsersOwnTestFileIsTheTestSplitAndItsTextsNeverReachTraining()
    {
        string main = Write("main.csv", Rows(0, 300));
        string test = Write("test.csv", Rows(1000, 40).Append("review 4 was great,positive"));

        Registration registration = TaskRegistration.Register(main, "mine", new RegistrationOptions { TestFile = test });

        var splits = registration.Task.Splits;
        Assert.Equal(41, splits.Test.Count);
        Assert.Equal(File.ReadLines(test).Skip(1).Select(l => l.Split(',')[0]), splits.Test.Select(e => e.Text));
        Assert.DoesNotContain(splits.Train.Concat(splits.Dev), e => e.Text == "review 4 was great");
        Assert.Equal(299, splits.Train.Count + splits.Dev.Count);
        Assert.Contains(registration.Warnings, w => w.StartsWith("1 texts of", StringComparison.Ordinal));
        Assert.Contains("test texts from test.csv", registration.Task.Info.Description);
    }

    [Fact]
    public void SplitsAreStratifiedByLabelInTheSharesAsked()
    {
        // 240 positive and 60 negative texts: each split keeps the 4:1 ratio.
        string file = Write("skewed.csv", Enumerable.Range(0, 300).Select(i => $"text {i},{(i % 5 == 0 ? "negative" : "positive")}"));

        var splits = TaskRegistration.Register(file, "skewed", new RegistrationOptions { DevFraction = 0.1, TestFraction = 0.2 }).Task.Splits;

        Assert.Equal((12, 48), (splits.Test.Count(e => e.Label == "negative"), splits.Test.Count(e => e.Label == "positive")));
        Assert.Equal((6, 24), (splits.Dev.Count(e => e.Label == "negative"), splits.Dev.Count(e => e.Label == "positive")));
        Assert.Equal(210, splits.Train.Count);
        // Order in the file does not matter.
        string reversed = Write("reversed.csv", File.ReadLines(file).Skip(1).Reverse());
        var again = TaskRegistration.Register(reversed, "skewed", new RegistrationOptions { DevFraction = 0.1, TestFraction = 0.2 })
            .Task.Splits;
        Assert.Equal(splits.Test.Select(e => e.Text).Order(), again.Test.Select(e => e.Text).Order());
    }

    [Fact]
    public void ASplitTooSmallToEvaluateIsRefusedWithTheMinimumAndTheFix()
    {
        string file = Write("small.csv", Rows(0, 120));

        var error = Assert.Throws<InvalidDataException>(() => TaskRegistration.Register(file, "small", new RegistrationOptions()));

        Assert.Contains($"would hold 12 texts; at least {TaskRegistration.MinimumEvaluationTexts}", error.Message);
        Assert.Contains("--dev-fraction", error.Message);
        Assert.Equal(24, TaskRegistration.Register(file, "small", new RegistrationOptions { DevFraction = 0.2, TestFraction = 0.2 })
            .Task.Splits.Test.Count);
    }

    [Fact]
    public void NumericLabelsNeedNamesAndNamedOnesAreMapped()
    {
        string file = Write("numeric.csv", Enumerable.Range(0, 300).Select(i => $"text {i},{i % 2}"));

        var error = Assert.Throws<ArgumentException>(() => TaskRegistration.Register(file, "numeric", new RegistrationOptions()));
        Assert.Contains("--label-names 0=<name>,1=<name>", error.Message);

        var names = RegistrationOptions.ParseLabelNames("0=negative, 1=positive");
        TaskDataset task = TaskRegistration.Register(file, "numeric", new RegistrationOptions { LabelNames = names }).Task;
        Assert.Equal(["negative", "positive"], task.Labels);
        Assert.Contains(task.Splits.Train, e => e.Text == "text 2" && e.Label == "negative");

        var missing = Assert.Throws<ArgumentException>(() => TaskRegistration.Register(file, "numeric",
            new RegistrationOptions { LabelNames = RegistrationOptions.ParseLabelNames("0=negative") }));
        Assert.Contains("labels without a name: 1", missing.Message);
        Assert.Throws<ArgumentException>(() => RegistrationOptions.ParseLabelNames("0:negative"));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("ｍａｉｌ")]
    public void RegisteringIntoAFolderChecksTheNameBeforeTheFolder(string name)
    {
        using var folder = new TemporaryFolder();
        string target = Path.Combine(folder.Path, name);
        var error = Assert.Throws<ArgumentException>(() => TaskRegistration.RegisterInto(target, "unused.csv", name, new RegistrationOptions()));
        Assert.Contains($"Task name '{name}' must be", error.Message);
    }

    [Fact]
    public void LabelsThatDifferOnlyInCaseAreKeptApartWithAWarning()
    {
        string file = Write("case.csv", Enumerable.Range(0, 300).Select(i => $"text {i},{(i % 3) switch { 0 => "Spam", 1 => "spam", _ => "ham" }}"));

        Registration registration = TaskRegistration.Register(file, "case", new RegistrationOptions());

        Assert.Equal(["Spam", "ham", "spam"], registration.Task.Labels);
        Assert.Contains(registration.Warnings, w => w.Contains("'Spam' and 'spam' differ only in case", StringComparison.Ordinal));
    }

    [Fact]
    public void UsersTasksAndTeachersLiveInTheWorkspaceAndNeverShadowShippedOnes()
    {
        var workspace = new Workspace(folder.Path);
        Directory.CreateDirectory(Path.Combine(folder.Path, "data", "tasks", "sentiment"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "workspace", "tasks", "reviews"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "workspace", "tasks", "sentiment"));

        Assert.Equal(Path.Combine(folder.Path, "data", "tasks", "sentiment"), workspace.Task("sentiment"));
        Assert.Equal(Path.Combine(folder.Path, "models", "teachers", "sentiment"), workspace.Teacher("sentiment"));
        Assert.Equal(Path.Combine(folder.Path, "workspace", "tasks", "reviews"), workspace.Task("reviews"));
        Assert.Equal(Path.Combine(folder.Path, "workspace", "teachers", "reviews"), workspace.Teacher("reviews"));
        Assert.Equal(Path.Combine(folder.Path, "workspace", "reports", "reviews"), workspace.Report("reviews"));
        Assert.Equal(["sentiment", "reviews"], workspace.TaskFolders().Select(Path.GetFileName));
        Assert.True(workspace.IsShippedTask("sentiment"));
        Assert.False(workspace.IsShippedTask("reviews"));
    }

    private static IEnumerable<string> Rows(int from, int count) =>
        Enumerable.Range(from, count).Select(i => $"review {i} was {(i % 2 == 0 ? "great,positive" : "awful,negative")}");

    private string Write(string name, IEnumerable<string> rows)
    {
        string path = Path.Combine(folder.Path, name);
        File.WriteAllLines(path, rows.Prepend("text,label"));
        return path;
    }

    public void Dispose() => folder.Dispose();
}
