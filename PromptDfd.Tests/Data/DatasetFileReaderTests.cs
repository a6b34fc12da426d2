using PromptDfd.Engine.Data;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Data;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class DatasetFileReaderTests
{
    private static string Write(TemporaryFolder folder, string name, string content)
    {
        string path = folder.File(name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void CsvWithQuotedCommasNewlinesAndEscapedQuotesIsRead()
    {
        using var folder = new TemporaryFolder();
        string path = Write(folder, "reviews.csv", "id,text,label\n1,\"Great, really \"\"great\"\" food\",pos\n2,\"Two\nlines\",neg\n");
        var examples = DatasetFileReader.Read(path);
        Assert.Equal([("Great, really \"great\" food", "pos"), ("Two lines", "neg")], examples.Select(e => (e.Text, e.Label)));
    }

    [Fact]
    public void JsonlWithNumericLabelsAndCustomColumnsIsRead()
    {
        using var folder = new TemporaryFolder();
        string path = Write(folder, "data.jsonl", "{\"sentence\": \"fine\", \"y\": 1}\n\n{\"sentence\": \"bad\", \"y\": 0}\n");
        var examples = DatasetFileReader.Read(path, "sentence", "y");
        Assert.Equal([("fine", "1"), ("bad", "0")], examples.Select(e => (e.Text, e.Label)));
    }

    [Fact]
    public void InvalidUtf8IsRejectedWithAFix()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("latin1.csv");
        File.WriteAllBytes(path, [.. "text,label\ncaf"u8.ToArray(), 0xE9, .. ",pos\n"u8.ToArray()]);
        var error = Assert.Throws<InvalidDataException>(() => DatasetFileReader.Read(path));
        Assert.Contains("not valid UTF-8", error.Message);
        Assert.Contains("Save the file as UTF-8", error.Message);
    }

    [Fact]
    public void MissingColumnNamesWhatWasFound()
    {
        using var folder = new TemporaryFolder();
        string path = Write(folder, "x.csv", "review,stars\nok,5\n");
        var error = Assert.Throws<InvalidDataException>(() => DatasetFileReader.Read(path));
        Assert.Contains("no 'text' column (found: review, stars)", error.Message);
    }

    [Fact]
    public void EmptyTextAndMalformedLinesNameTheLine()
    {
        using var folder = new TemporaryFolder();
        var empty = Assert.Throws<InvalidDataException>(() => DatasetFileReader.Read(Write(folder, "e.jsonl",
            "{\"text\":\"ok\",\"label\":\"a\"}\n{\"text\":\"  \",\"label\":\"b\"}\n")));
        Assert.Contains("line 2", empty.Message);
        Assert.Contains("empty", empty.Message);
        var malformed = Assert.Throws<InvalidDataException>(() => DatasetFileReader.Read(Write(folder, "m.jsonl",
            "{\"text\": \"ok\", \"label\": \"a\"}\n{oops\n")));
        Assert.Contains("line 2: not valid JSON", malformed.Message);
        var fields = Assert.Throws<InvalidDataException>(() => DatasetFileReader.Read(Write(folder, "f.csv", "text,label\na,b,c\n")));
        Assert.Contains("3 fields but the header has 2", fields.Message);
        var type = Assert.Throws<InvalidDataException>(() => DatasetFileReader.Read(Write(folder, "data.xlsx", "")));
        Assert.Contains(".csv", type.Message);
    }

    [Fact]
    public void RegisteringASingleClassFileOrLabelsUnseenInTrainFails()
    {
        using var folder = new TemporaryFolder();
        var single = Assert.Throws<InvalidDataException>(() =>
            TaskRegistration.Register(Write(folder, "one.csv", "text,label\na,x\nb,x\nc,x\n"), "one"));
        Assert.Contains("only one class ('x')", single.Message);

        // One rare label whose only example lands outside train cannot be learned.
        var rows = Enumerable.Range(0, 200).Select(i => $"common text {i},{(i % 2 == 0 ? "a" : "b")}").ToList();
        var dataset = new TaskDataset
        {
            Info = new TaskInfo { Name = "t", Labels = ["a", "b", "rare"] },
            Splits = new DatasetSplits([new("x", "a"), new("y", "b")], [new("z", "rare")], [new("w", "a")]),
        };
        var unseen = Assert.Throws<InvalidDataException>(() => DatasetValidator.Validate(dataset));
        Assert.Contains("'rare', which never occurs in train", unseen.Message);
        Assert.NotEmpty(rows);
    }

    [Fact]
    public void RegisteredTaskSavesAndLoadsWithItsCard()
    {
        using var folder = new TemporaryFolder();
        string csv = "text,label\n" + string.Join('\n', Enumerable.Range(0, 300).Select(i =>
            $"text number {i},{(i % 3 == 0 ? "spam" : "ham")}")) + "\ntext number 1,ham\n";
        TaskDataset task = TaskRegistration.Register(Write(folder, "mail.csv", csv), "mail");
        Assert.Equal(["ham", "spam"], task.Labels);
        Assert.Equal(300, task.Splits.Train.Count + task.Splits.Dev.Count + task.Splits.Test.Count); // the duplicate row is dropped
        string target = folder.Folder("mail");
        task.Save(target);
        TaskDataset loaded = TaskDataset.Load(target);
        Assert.Equal(task.Splits.Test.Select(e => e.Text), loaded.Splits.Test.Select(e => e.Text));
        Assert.Contains("| train |", File.ReadAllText(Path.Combine(target, "card.md")));

        string message = Assert.Throws<FileNotFoundException>(() => TaskDataset.Load(Path.Combine(folder.Path, "mial"))).Message;
        Assert.Contains("There is no task 'mial'", message);
        Assert.Contains("Tasks there: mail.", message);
        Assert.Contains("register --file <csv or jsonl> --name mial", message);
    }

    [Fact]
    public void RegisteringUnderAnExistingTaskNameChangesNothingAndABadFileLeavesNoFolder()
    {
        using var folder = new TemporaryFolder();
        string csv = Write(folder, "mail.csv", "text,label\n" + string.Join('\n',
            Enumerable.Range(0, 240).Select(i => $"text number {i},{(i % 2 == 0 ? "spam" : "ham")}")) + "\n");
        string tasks = folder.Folder("tasks");
        string existing = Path.Combine(tasks, "mail");
        TaskRegistration.RegisterInto(existing, csv, "mail");
        var before = FolderSnapshot.Of(existing);

        string other = Write(folder, "other.csv", "text,label\nsomething else,a\nand more,b\nthird one,a\nfourth one,b\n");
        var error = Assert.Throws<ArgumentException>(() => TaskRegistration.RegisterInto(existing, other, "mail"));
        Assert.Contains("A task named 'mail' already exists", error.Message);
        before.AssertUnchanged();

        string oneClass = Write(folder, "one.csv", "text,label\nfine,a\ngood,a\n");
        Assert.Throws<InvalidDataException>(() => TaskRegistration.RegisterInto(Path.Combine(tasks, "one"), oneClass, "one"));
        Assert.Equal(["mail"], Directory.GetDirectories(tasks).Select(Path.GetFileName));
    }
}
