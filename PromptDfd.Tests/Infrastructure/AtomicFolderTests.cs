using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Infrastructure;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class AtomicFolderTests
{
    [Fact]
    public void ReplacingAFolderLeavesOnlyTheNewContents()
    {
        using var temporary = new TemporaryFolder();
        string folder = Path.Combine(temporary.Path, "state");
        AtomicFolder.Replace(folder, staging => File.WriteAllText(Path.Combine(staging, "old.txt"), "1"));
        AtomicFolder.Replace(folder, staging => File.WriteAllText(Path.Combine(staging, "new.txt"), "2"));
        Assert.Equal(["new.txt"], Directory.GetFiles(folder).Select(Path.GetFileName));
        Assert.Equal(["state"], Directory.GetDirectories(temporary.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void AWriteThatFailsHalfWayLeavesThePreviousStateInPlace()
    {
        using var temporary = new TemporaryFolder();
        string folder = Path.Combine(temporary.Path, "state");
        AtomicFolder.Replace(folder, staging => File.WriteAllText(Path.Combine(staging, "step.txt"), "4"));
        Assert.Throws<IOException>(() => AtomicFolder.Replace(folder, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "step.txt"), "6");
            throw new IOException("disk full");
        }));
        Assert.Equal("4", File.ReadAllText(Path.Combine(AtomicFolder.Existing(folder), "step.txt")));
    }

    [Fact]
    public void AKillBetweenTheTwoRenamesIsReadFromThePreviousState()
    {
        using var temporary = new TemporaryFolder();
        string folder = Path.Combine(temporary.Path, "state");
        AtomicFolder.Replace(folder, staging => File.WriteAllText(Path.Combine(staging, "step.txt"), "4"));
        Directory.Move(folder, folder + ".previous"); // where the first rename leaves things
        Assert.Equal("4", File.ReadAllText(Path.Combine(AtomicFolder.Existing(folder), "step.txt")));

        AtomicFolder.Replace(folder, staging => File.WriteAllText(Path.Combine(staging, "step.txt"), "6"));
        Assert.Equal("6", File.ReadAllText(Path.Combine(AtomicFolder.Existing(folder), "step.txt")));
        AtomicFolder.Delete(folder);
        Assert.Empty(Directory.GetDirectories(temporary.Path));
    }
}
