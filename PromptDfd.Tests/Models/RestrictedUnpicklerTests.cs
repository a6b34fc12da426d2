using System.Numerics;
using PromptDfd.Engine.Models.Formats.PyTorch;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Models;

/// <summary>Every form in which a pickle writes an integer reads back as the same number (issue #26, item 3).</summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public class RestrictedUnpicklerTests
{
    private static object? Load(string hex)
    {
        using var stream = new MemoryStream(Convert.FromHexString(hex.Replace(" ", "")));
        return new RestrictedUnpickler(stream, "test.pkl", _ => false, (global, _) => throw new InvalidOperationException(global.ToString()),
            _ => throw new InvalidOperationException("no storages here")).Load();
    }

    [Theory]
    [InlineData("8002 4B05 2E", 5L)] // BININT1
    [InlineData("8002 4D3412 2E", 0x1234L)] // BININT2
    [InlineData("8002 4AFFFFFFFF 2E", -1L)] // BININT
    [InlineData("8002 8A00 2E", 0L)] // LONG1, no bytes: zero
    [InlineData("8002 8A0105 2E", 5L)] // LONG1 of a small number, as other writers may emit it
    [InlineData("8002 8A01FF 2E", -1L)] // LONG1, two's complement
    [InlineData("8002 8A02FF00 2E", 255L)]
    [InlineData("8002 8A050000008000 2E", 2147483648L)] // what Python writes for 2**31
    [InlineData("8002 8A08FFFFFFFFFFFFFF7F 2E", long.MaxValue)]
    [InlineData("8002 8B03000000000001 2E", 65536L)] // LONG4
    [InlineData("49 3432 0A 2E", 42L)] // INT, protocol 0
    [InlineData("4C 2D3432 4C 0A 2E", -42L)] // LONG, protocol 0
    public void AnIntegerReadsAsTheSameLongInEveryFormPickleWrites(string pickle, long expected) =>
        Assert.Equal(expected, Assert.IsType<long>(Load(pickle)));

    [Fact]
    public void AnIntegerBeyondSixtyFourBitsReadsAsABigIntegerNotAWrappedLong() =>
        Assert.Equal(BigInteger.Pow(2, 64), Assert.IsType<BigInteger>(Load("8002 8A09000000000000000001 2E")));

    [Fact]
    public void AnIntegerWhoseBytesAreCutOffIsReportedAsTruncatedNamingTheFile()
    {
        var error = Assert.ThrowsAny<Exception>(() => Load("8002 8A0805"));
        Assert.Contains("test.pkl", error.Message);
    }
}
