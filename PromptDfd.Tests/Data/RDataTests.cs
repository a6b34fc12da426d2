using System.IO.Compression;
using PromptDfd.Engine.Data.Preparation;
using PromptDfd.Engine.Data.RFormat;

namespace PromptDfd.Tests.Data;

/// <summary>
/// R's serialization and lazy-load storage, read from real bytes of Debian r-cran-modeldata 1.1.0-1 (MIT; see NOTICE.md):
/// its lazy-load index, and the stored entry of its `crickets` dataset (xz-compressed, as the package ships it).
/// </summary>
public sealed class RDataTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "rdata");

    [Fact]
    public void TheIndexOfAnRPackagesLazyLoadDataNamesEveryDatasetsPlace()
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(Fixtures, "Rdata.rdx")), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        RObject index = RSerialization.Read(buffer.ToArray())!;

        Assert.Equal(new string?[] { "variables", "references", "compressed" }, index.Names);
        RObject variables = index.Items[0]!;
        Assert.Contains("training_data", variables.Names);
        Assert.Contains("testing_data", variables.Names);
        Assert.All(variables.Items, place => Assert.Equal(2, place!.Integers.Length));
        int[] crickets = variables.Items[Array.IndexOf(variables.Names, "crickets")]!.Integers;
        Assert.Equal(new FileInfo(Path.Combine(Fixtures, "crickets.entry")).Length, crickets[1]);
    }

    [Fact]
    public void AnXzCompressedDataFrameReadsWithItsFactorLevelsAndNumbers()
    {
        byte[] stored = File.ReadAllBytes(Path.Combine(Fixtures, "crickets.entry"));
        RObject crickets = RSerialization.Read(RLazyLoadDatabase.Unpack(stored, typedCompression: true, "crickets"))!;

        Assert.Contains("data.frame", crickets.Attributes["class"]!.Strings);
        Assert.Equal(new string?[] { "species", "temp", "rate" }, crickets.Names);
        string?[] species = crickets.Column("species");
        Assert.Equal(31, species.Length);
        Assert.Equal(["O. exclamationis", "O. niveus"], species.Distinct().Order(StringComparer.Ordinal));
        var temperatures = (double[])crickets.Items[1]!.Elements!;
        Assert.All(temperatures, t => Assert.InRange(t, 15, 35));
        Assert.Contains("has no column 'chirps'", Assert.Throws<InvalidDataException>(() => crickets.Column("chirps")).Message);
    }

    [Fact]
    public void CorruptOrForeignBytesAreRefusedWithWhatTheyShouldBe()
    {
        Assert.Contains("should start with", Assert.Throws<InvalidDataException>(() => RSerialization.Read("RDX2\n"u8.ToArray())).Message);
        byte[] stored = File.ReadAllBytes(Path.Combine(Fixtures, "crickets.entry"));
        stored[4] = (byte)'Q';
        Assert.Contains("compression 'Q'", Assert.Throws<InvalidDataException>(() =>
            RLazyLoadDatabase.Unpack(stored, typedCompression: true, "crickets")).Message);
    }

    [Fact]
    public void AReviewLosesItsHtmlLineBreaksAndTags()
    {
        Assert.Equal("Great coffee. Would buy again.", FineFoodReviews.Clean("Great coffee.<br /><br />Would <b>buy</b> again."));
    }
}
