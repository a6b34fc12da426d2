using PromptDfd.Engine.Data.Preparation;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Data;

/// <summary>Each package reader on a tiny fixture laid out like the real package.</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public class SourceParserTests
{
    [Fact]
    public void SentimentSentencesReadAllThreeSitesAndSkipTheEmptyTerminator()
    {
        using var folder = new TemporaryFolder();
        string fixtures = Directory.CreateDirectory(Path.Combine(folder.Path, "package", "test", "fixtures")).FullName;
        foreach (string site in new[] { "amazon", "yelp", "imdb" })
            File.WriteAllText(Path.Combine(fixtures, site + ".json"),
                $$"""[{"text":"Bad {{site}}.  ","class":0},{"text":"Good {{site}}!","class":1},{}]""");
        var examples = SentimentSentences.Read(folder.Path);
        Assert.Equal(6, examples.Count);
        Assert.Contains(examples, e => e is { Text: "Bad imdb.", Label: "negative" });
        Assert.Contains(examples, e => e is { Text: "Good yelp!", Label: "positive" });
    }

    [Fact]
    public void WordNetGlossesAreLabelledBySupersenseWithoutUsageExamples()
    {
        using var folder = new TemporaryFolder();
        string dict = Directory.CreateDirectory(Path.Combine(folder.Path, "package", "dict")).FullName;
        File.WriteAllLines(Path.Combine(dict, "data.noun"),
        [
            "  1 This software and database is being provided to you, the LICENSEE, by Princeton University",
            "00015568 05 n 01 dog_breed 0 000 | a breed of domestic dog; \"the terrier is a dog breed\"",
            "00015569 05 n 01 cat 0 000 | feline mammal",
            "00021265 13 n 01 bread 0 000 | food made from dough",
            "00021266 18 n 01 baker 0 000 | someone who bakes",
        ]);
        var examples = WordNetSupersenses.Read(folder.Path, classes: 2, perClass: 10);
        Assert.Equal(["dog breed: a breed of domestic dog", "cat: feline mammal", "bread: food made from dough"],
            examples.Select(e => e.Text));
        Assert.Equal(["animal", "animal", "food"], examples.Select(e => e.Label));
    }

    [Fact]
    public void FortunesAndReutersArffAreParsed()
    {
        using var folder = new TemporaryFolder();
        string fortunes = Directory.CreateDirectory(Path.Combine(folder.Path, "usr", "share", "games", "fortunes")).FullName;
        File.WriteAllText(Path.Combine(fortunes, "science"),
            "A short one.\n%\nThe only way to discover the limits of the possible is to go beyond them.\n%\n");
        File.WriteAllText(Path.Combine(fortunes, "science.dat"), "binary index");
        string examples = Directory.CreateDirectory(Path.Combine(folder.Path, "usr", "share", "doc", "weka", "examples")).FullName;
        string arff = "@relation r\n@attribute Text string\n@attribute class {0,1}\n@data\n'GRAIN SHIPMENTS RISE\\nThe U.S. said it\\'s " +
            "up.',1\n";
        File.WriteAllText(Path.Combine(examples, "ReutersGrain-train.arff"), arff);
        File.WriteAllText(Path.Combine(examples, "ReutersGrain-test.arff"), arff);

        Assert.Equal(["The only way to discover the limits of the possible is to go beyond them."], PriorSources.Fortunes(folder.Path));
        Assert.Equal(["GRAIN SHIPMENTS RISE The U.S. said it's up."], PriorSources.Reuters(folder.Path)); // the duplicate file adds nothing
    }

    [Fact]
    public void DictionaryDefinitionsBecomeHeadwordGlossesWithoutMarkupQuotationsOrWordNetSenses()
    {
        // Invented entries in GCIDE's dictd layout: a two-sense entry with etymology, usage label, accent codes, a note,
        // a quotation and a sub-entry; a one-line entry; an entry GCIDE took from WordNet; the database's own header.
        string[] dictionary =
        [
            "00-database-info",
            "   This file was converted from the original database.",
            "knowledge base maintainers can be reached here.",
            "",
            "Glimmerstone \\Glim\"mer*stone`\\ (gl[i^]m\"m[~e]r*st[=o]n`), n. [Fr. glim light + stone.]",
            "   1. A pale crystal of the n[ae]ve kind that glows faintly",
            "      in the dark. [Obs.] See {Glowstone}.",
            "      [1913 Webster]",
            "",
            "   Note: Glimmerstones were once sold as charms.",
            "         [1913 Webster]",
            "",
            "         The glimmerstone shone on the hill.     --Anon.",
            "",
            "   2. (Min.) Any mineral that shines feebly; -- used loosely.",
            "      [Webster 1913 Suppl.]",
            "",
            "   {Glimmerstone lamp}, a lamp made with a glimmerstone.",
            "",
            "Quiblet \\Quib\"let\\, n. A small quibble about words. --Anon.",
            "   [1913 Webster]",
            "",
            "Zentrix \\Zen\"trix\\ n.",
            "   1. a machine that sorts small parts by their weight.",
            "",
            "   Syn: sorter",
            "        [WordNet 1.5]",
        ];
        var definitions = DictionaryDefinitions.Definitions(new StringReader(string.Join('\n', dictionary))).ToList();
        Assert.Equal(
        [
            "glimmerstone: a pale crystal of the naeve kind that glows faintly in the dark.",
            "glimmerstone: any mineral that shines feebly; used loosely.",
            "glimmerstone lamp: a lamp made with a glimmerstone.",
            "quiblet: a small quibble about words.",
        ], definitions);
    }
}
