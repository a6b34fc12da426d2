
namespace PromptDfd.Engine.Data.Preparation;

/// <summary>
/// The `data` command: fetch the pinned packages, build the three shipped tasks with fixed splits, and build the
/// language-prior corpus, deduplicated against every task text.
/// </summary>
public sealed class DataPreparation(string dataRoot, Action<string> log)
{
    public string TasksFolder => Path.Combine(dataRoot, "tasks");
    public string PriorFolder => Path.Combine(dataRoot, "prior");
    public string RawFolder => Path.Combine(dataRoot, "raw");

    public IReadOnlyList<TaskDataset> BuildTasks(PackageFetcher fetcher)
    {
        var tasks = new List<TaskDataset>
        {
            Task(new TaskInfo
            {
                Name = "sentiment", Labels = SentimentSentences.Labels, StandsInFor = "SST-2 (binary sentiment)",
                Description = "Single review sentences from Amazon, Yelp and IMDb labelled negative or positive (Kotzias et al., 2015).",
                Source = $"UCI Sentiment Labelled Sentences, via npm {Packages.Sentiment.Name} {Packages.Sentiment.Version}", Licence =
                    "CC BY 4.0",
            }, SentimentSentences.Read(fetcher.Fetch(Packages.Sentiment))),
            Task(new TaskInfo
            {
                Name = "genre", Labels = ["press", "learned", "fiction", "general"], StandsInFor = "AG News (topic)",
                Description = "Brown Corpus paragraphs (>= 60 words) labelled with a coarse genre; split by document.",
                Source = $"Brown Corpus, via npm {Packages.Brown.Name} {Packages.Brown.Version}", Licence =
                    "Brown Corpus licence (free redistribution with notice)",
            }, BrownGenres.Read(fetcher.Fetch(Packages.Brown))),
            Task(new TaskInfo
            {
                Name = "ontology", Labels = [], StandsInFor = "DBpedia-14 (ontology)",
                Description = "WordNet noun definitions (\"lemma: gloss\") labelled with their supersense; the 14 largest classes, 1,000 " +
                    "each.",
                Source = $"WordNet 3.1, via npm {Packages.WordNet.Name} {Packages.WordNet.Version}", Licence = "WordNet 3.1 licence",
            }, WordNetSupersenses.Read(fetcher.Fetch(Packages.WordNet))),
        };
        foreach (TaskDataset task in tasks)
        {
            task.Save(Path.Combine(TasksFolder, task.Name));
            log($"task {task.Name}: {task.Splits.Train.Count} train / {task.Splits.Dev.Count} dev / {task.Splits.Test.Count} test, " +
                $"classes {string.Join(", ", task.Labels)}");
        }
        return tasks;
    }

    /// <summary>The prior corpus's sources by name. The shipped prior was trained on <see cref="DefaultPriorSources"/>.</summary>
    public static IReadOnlyDictionary<string, Func<PackageFetcher, IEnumerable<string>>> PriorSourceReaders { get; } =
        new Dictionary<string, Func<PackageFetcher, IEnumerable<string>>>(StringComparer.Ordinal)
        {
            ["sotu"] = fetcher => PriorSources.StateOfTheUnion(fetcher.Fetch(Packages.StdlibDatasets)),
            ["moby-dick"] = fetcher => PriorSources.MobyDick(fetcher.Fetch(Packages.StdlibDatasets)),
            ["nlp-corpus"] = fetcher => PriorSources.NlpCorpus(fetcher.Fetch(Packages.NlpCorpus)),
            ["fortunes"] = fetcher => PriorSources.Fortunes(fetcher.Fetch(Packages.Fortunes)),
            ["reuters"] = fetcher => PriorSources.Reuters(fetcher.Fetch(Packages.Weka)),
            ["dictionary"] = fetcher => DictionaryDefinitions.Read(fetcher.Fetch(Packages.Gcide)),
            ["reviews"] = fetcher => FineFoodReviews.Read(fetcher.Fetch(Packages.ModelData)),
        };

    public static IReadOnlyList<string> DefaultPriorSources { get; } = ["sotu", "moby-dick", "nlp-corpus", "fortunes", "reuters"];

    public PriorCorpusStatistics BuildPrior(PackageFetcher fetcher, IEnumerable<TaskDataset> tasks, IReadOnlyList<string>? sources = null,
        string? priorFolder = null)
    {
        sources ??= DefaultPriorSources;
        var unknown = sources.Where(s => !PriorSourceReaders.ContainsKey(s)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Unknown prior source(s): {string.Join(", ", unknown)}; known: " +
                $"{string.Join(", ", PriorSourceReaders.Keys)}.");
        IEnumerable<PriorDocument> documents = sources.Distinct(StringComparer.Ordinal)
            .SelectMany(source => PriorSourceReaders[source](fetcher).Select(text => new PriorDocument(source, text)));
        var taskTexts = tasks.SelectMany(t => t.Splits.Train.Concat(t.Splits.Dev).Concat(t.Splits.Test)).Select(e => e.Text);
        var (kept, statistics) = PriorCorpus.Build(documents, taskTexts);
        PriorCorpus.Save(priorFolder ?? PriorFolder, kept);
        log($"prior corpus: {statistics.Documents} documents, {statistics.Words:N0} words " +
            $"({string.Join(", ", statistics.WordsBySource.Select(p => $"{p.Key} {p.Value:N0}"))}); " +
            $"{statistics.SentencesRemovedAsTaskDuplicates} sentences removed as task duplicates, {statistics.DuplicateDocuments} " +
                $"duplicate documents");
        return statistics;
    }

    private static TaskDataset Task(TaskInfo info, IReadOnlyList<LabeledExample> examples)
    {
        // Exact duplicates (same normalised text) are kept once, so none can sit in both train and test.
        var unique = examples.GroupBy(e => TextCleaning.DeduplicationKey(e.Text)).Select(g => g.First()).ToList();
        var labels = info.Labels.Count > 0 ? info.Labels : unique.Select(e => e.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        var dataset = new TaskDataset { Info = info with { Labels = labels }, Splits = DatasetSplitter.Split(unique, DatasetSplitter.SplitSeed) };
        DatasetValidator.Validate(dataset);
        return dataset;
    }
}
