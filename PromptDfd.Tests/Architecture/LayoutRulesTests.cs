using System.Text.RegularExpressions;
using PromptDfd.Tests.Data;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Architecture;

/// <summary>
/// The layout docs/architecture.md describes, checked on the sources: folders depend on each other one way, and no file
/// or line grows past what a reader takes in.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed partial class LayoutRulesTests
{
    private const int MaximumFileLines = 400;
    private const int MaximumLineWidth = 150;
    private const int MaximumReadmeBytes = 8 * 1024;
    private static readonly string[] Projects = ["PromptDfd.Engine", "PromptDfd.Cluster", "PromptDfd.Web", "PromptDfd.Cli"];

    [Theory]
    [InlineData("PromptDfd.Engine")]
    [InlineData("PromptDfd.Cluster")]
    [InlineData("PromptDfd.Web")]
    [InlineData("PromptDfd.Cli")]
    public void NoTwoFoldersOfAProjectDependOnEachOther(string project)
    {
        var graph = FolderGraph.Of(ShippedTasksTests.RepositoryFile(project));
        Assert.True(graph.Cycles.Count == 0, $"folder cycles in {project}:\n{string.Join("\n", graph.Cycles.Select(graph.Explain))}");
    }

    [Fact]
    public void TheCheckFindsACycleWhereThereIsOne()
    {
        var graph = new FolderGraph(new Dictionary<string, HashSet<(string, string)>>
        {
            ["Runs"] = [("Store", "RunStore")],
            ["Store"] = [("Runs", "RunConfig")],
            ["Method"] = [("Store", "RunRecord")],
        });
        Assert.Equal(["Runs", "Store"], Assert.Single(graph.Cycles).Order());
    }

    [Fact]
    public void NoSourceFileIsLongerThan400Lines()
    {
        var longFiles = SourceFiles(Projects.Append("PromptDfd.Tests"))
            .Select(f => (File: f, Lines: File.ReadLines(f).Count())).Where(f => f.Lines > MaximumFileLines)
            .Select(f => $"{Path.GetRelativePath(ShippedTasksTests.RepositoryFile(), f.File)}: {f.Lines}").ToList();
        Assert.True(longFiles.Count == 0, "split these by concern: " + string.Join(", ", longFiles));
    }

    [Fact]
    public void NoSourceLineIsWiderThan150Characters()
    {
        var wide = SourceFiles(Projects.Append("PromptDfd.Tests"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, line.Length)))
            .Where(l => l.Length > MaximumLineWidth).Select(l => $"{Path.GetFileName(l.File)}:{l.Line} ({l.Length})").ToList();
        Assert.True(wide.Count == 0, string.Join(", ", wide));
    }

    [Fact]
    public void TheReadmeIsAFrontPageUnder8KB()
    {
        long bytes = new FileInfo(ShippedTasksTests.RepositoryFile("README.md")).Length;
        Assert.True(bytes < MaximumReadmeBytes, $"README.md is {bytes} bytes; move detail into docs/ and link it");
    }

    private static IEnumerable<string> SourceFiles(IEnumerable<string> projects) => projects
        .SelectMany(p => Directory.EnumerateFiles(ShippedTasksTests.RepositoryFile(p), "*.*", SearchOption.AllDirectories))
        .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
        .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>
    /// Which folder uses which: a file depends on a folder when it names a type declared only there. Read from the text,
    /// so comments and string literals are left out first.
    /// </summary>
    private sealed partial class FolderGraph(Dictionary<string, HashSet<(string Folder, string Type)>> edges)
    {
        public static FolderGraph Of(string projectFolder)
        {
            var files = Directory.EnumerateFiles(projectFolder, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .Select(f => (Folder: Path.GetRelativePath(projectFolder, Path.GetDirectoryName(f)!), Code: CodeOnly(File.ReadAllText(f))))
                .ToList();
            var declaredIn = files.SelectMany(f => Declaration().Matches(f.Code).Select(m => (Type: m.Groups[1].Value, f.Folder)))
                .GroupBy(d => d.Type).Where(g => g.Select(d => d.Folder).Distinct().Count() == 1)
                .ToDictionary(g => g.Key, g => g.First().Folder);
            var edges = new Dictionary<string, HashSet<(string, string)>>();
            foreach (var (folder, code) in files)
            {
                foreach (string name in Identifier().Matches(code).Select(m => m.Value).Distinct())
                {
                    if (!declaredIn.TryGetValue(name, out string? owner) || owner == folder) continue;
                    (edges.TryGetValue(folder, out var set) ? set : edges[folder] = []).Add((owner, name));
                }
            }
            return new FolderGraph(edges);
        }

        /// <summary>Strongly connected groups of more than one folder (Tarjan).</summary>
        public IReadOnlyList<IReadOnlyList<string>> Cycles
        {
            get
            {
                var index = new Dictionary<string, int>();
                var low = new Dictionary<string, int>();
                var stack = new Stack<string>();
                var cycles = new List<IReadOnlyList<string>>();
                void Visit(string v)
                {
                    index[v] = low[v] = index.Count;
                    stack.Push(v);
                    foreach (string w in Targets(v))
                    {
                        if (!index.TryGetValue(w, out int seen))
                        {
                            Visit(w);
                            low[v] = Math.Min(low[v], low[w]);
                        }
                        else if (stack.Contains(w)) low[v] = Math.Min(low[v], seen);
                    }
                    if (low[v] != index[v]) return;
                    var group = new List<string>();
                    string popped;
                    do { popped = stack.Pop(); group.Add(popped); } while (popped != v);
                    if (group.Count > 1) cycles.Add(group);
                }
                foreach (string folder in edges.Keys.Concat(edges.Values.SelectMany(e => e.Select(t => t.Folder))).Distinct().Order())
                    if (!index.ContainsKey(folder)) Visit(folder);
                return cycles;
            }
        }

        public string Explain(IReadOnlyList<string> cycle) => string.Join("\n", cycle.SelectMany(from =>
            edges.GetValueOrDefault(from, []).Where(e => cycle.Contains(e.Folder)).Select(e => $"  {from} -> {e.Folder} ({e.Type})")));

        private IEnumerable<string> Targets(string folder) => edges.GetValueOrDefault(folder, []).Select(e => e.Folder).Distinct();

        private static string CodeOnly(string source) => StringLiteral().Replace(Comment().Replace(source, ""), "\"\"");

        [GeneratedRegex(@"^\s*(?:\[[^\]]*\]\s*)*(?:public|internal)\s+(?:(?:sealed|static|abstract|readonly|partial)\s+)*" +
            @"(?:class|record|struct|enum|interface)\s+([A-Z]\w*)", RegexOptions.Multiline)]
        private static partial Regex Declaration();

        [GeneratedRegex(@"\b[A-Z]\w*\b")]
        private static partial Regex Identifier();

        [GeneratedRegex(@"//[^\n]*")]
        private static partial Regex Comment();

        [GeneratedRegex(@"""(?:\\.|[^""\\\n])*""")]
        private static partial Regex StringLiteral();
    }
}
