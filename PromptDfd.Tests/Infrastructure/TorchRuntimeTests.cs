using System.Runtime.InteropServices;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Tests.Support;
using static TorchSharp.torch;

namespace PromptDfd.Tests.Infrastructure;

[Trait(TestCategory.Name, TestCategory.Fast)]
public class TorchRuntimeTests
{
    [Fact]
    public void NativeLibtorchLoadsAndMultipliesMatrices()
    {
        using Tensor a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using Tensor b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using Tensor product = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
        Assert.StartsWith("2.", __version__);
    }

    [Fact]
    public void LargeTensorsAreHugePageAlignedBecauseLibtorchSawTheSwitch()
    {
        Assert.True(TorchRuntime.HugePageTensors);
        Assert.Contains("huge-page tensors: on", TorchRuntime.Describe());
        // libtorch page-aligns (and advises huge pages for) allocations of 2 MB and more only when its switch was
        // on at its first allocation; otherwise it asks for 64-byte alignment, which glibc meets off a page boundary.
        using Tensor large = empty(8L << 20 >> 2);
        Assert.Equal(0, DataPointer(large.Handle).ToInt64() % Environment.SystemPageSize);
    }

    [Theory]
    [InlineData("model name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 avx512f avx512bw\n", "AMD EPYC, AVX-512")]
    [InlineData("model name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\nflags\t\t: fpu sse2 avx avx2\n",
        "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz, AVX2")]
    [InlineData("processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\n", "Arm64")]
    public void TheProcessorIsNamedWithItsWidestVectorExtensionOrTheArchitecture(string cpuinfo, string expected) =>
        Assert.Equal(expected, TorchRuntime.DescribeProcessor(cpuinfo, "Arm64"));

    [Fact]
    public void TheRuntimeDescriptionNamesThisMachinesProcessor()
    {
        string? modelName = OperatingSystem.IsLinux()
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':',
                2)[1].Trim()
            : null;
        string processor = modelName ?? RuntimeInformation.ProcessArchitecture.ToString();
        Assert.Contains($"CPU: {processor}", TorchRuntime.Describe());
    }

    [Fact]
    public void SameSeedGivesIdenticalRandomTensors()
    {
        TorchRuntime.Seed(7);
        using Tensor first = randn(64);
        TorchRuntime.Seed(7);
        using Tensor second = randn(64);
        Assert.Equal(first.data<float>().ToArray(), second.data<float>().ToArray());
    }

    [Fact]
    public void AutoDeviceFallsBackToCpuAndUnknownDeviceIsRejected()
    {
        Assert.Equal(cuda.is_available() ? TorchSharp.DeviceType.CUDA : TorchSharp.DeviceType.CPU, TorchRuntime.ResolveDevice("auto").type);
        var error = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Contains("'auto', 'cpu' or 'cuda'", error.Message);
    }

    [Fact]
    public void OutputCopyOfTorchSharpNativeHasTheGlibcxxRequirementMarkedWeak()
    {
        // The build patches only the copy in the output folder; the loader accepted it (the tests above ran).
        string library = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(File.Exists(library), $"expected {library} in the test output");
        Assert.True(ElfVersionFlags.IsWeak(File.ReadAllBytes(library), "GLIBCXX_3.4.32"));
    }

    [DllImport("LibTorchSharp", EntryPoint = "THSStorage_data_ptr")]
    private static extern IntPtr DataPointer(IntPtr tensor);
}
