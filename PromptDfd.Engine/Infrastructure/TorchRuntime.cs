using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>Process-wide libtorch settings: device choice, thread count and seeding.</summary>
public static class TorchRuntime
{
    private const string HugePageSwitch = "THP_MEM_ALLOC_ENABLE";

    /// <summary>
    /// Asks libtorch to back CPU tensors of 2 MB and more with transparent huge pages (its own THP_MEM_ALLOC_ENABLE
    /// switch). Why: on our Debian VMs, faulting in fresh 4 KB pages cost about 3 ms per MB, so a new 131 MB logits
    /// tensor took 0.4 s before any arithmetic, more than the matmul that fills it; with huge pages it takes 13 ms
    /// (docs/benchmarks.md). libtorch reads the switch once, at its first allocation, so call this before any
    /// tensor exists. A value already in the environment wins: THP_MEM_ALLOC_ENABLE=0 keeps 4 KB pages.
    /// </summary>
    public static void EnableHugePageTensors()
    {
        // A failed setenv only leaves huge pages off, which HugePageTensorsEnabled reports.
        if (OperatingSystem.IsLinux()) _ = NativeEnvironment.setenv(HugePageSwitch, "1", overwrite: 0);
    }

    /// <summary>Whether libtorch will see the huge-page switch on (it reads the process's native environment).</summary>
    public static bool HugePageTensors => OperatingSystem.IsLinux()
        && Marshal.PtrToStringUTF8(NativeEnvironment.getenv(HugePageSwitch)) is "1";

    /// <summary>"auto" picks CUDA when a CUDA build of libtorch sees a GPU, else CPU; "cpu" and "cuda" force one.</summary>
    public static Device ResolveDevice(string requested = "auto")
    {
        switch (requested.Trim().ToLowerInvariant())
        {
            case "auto": return cuda.is_available() ? CUDA : CPU;
            case "cpu": return CPU;
            case "cuda":
                if (!cuda.is_available())
                {
                    throw new InvalidOperationException(
                        "Device 'cuda' was requested but libtorch reports no CUDA device. Build with -p:TorchBackend=cuda " +
                        "(see README, 'Using a GPU') on a machine with an NVIDIA driver, or use device 'auto' or 'cpu'.");
                }
                return CUDA;
            default:
                throw new ArgumentException($"Unknown device '{requested}'. Use 'auto', 'cpu' or 'cuda'.");
        }
    }

    /// <summary>Sets intra-op threads once; 0 keeps libtorch's default (one per core).</summary>
    public static void ConfigureThreads(int threads)
    {
        if (threads < 0) throw new ArgumentException($"Thread count must be 0 (automatic) or positive (got {threads}).");
        if (threads > 0) set_num_threads(threads);
    }

    /// <summary>Seeds libtorch's global generator; CPU results are then bit-identical across runs.</summary>
    public static void Seed(long seed) => manual_seed(seed);

    /// <summary>
    /// What a result depends on beyond its seed: fp32 round-off follows the thread count and the vector instructions
    /// libtorch's kernels pick for the processor, so a run reproduces bit for bit only where these match.
    /// </summary>
    public static string Describe() =>
        $"libtorch {__version__}, TorchSharp {typeof(torch).Assembly.GetName().Version}, CUDA available: {cuda.is_available()}, threads: " +
            $"{get_num_threads()}, huge-page tensors: {(HugePageTensors ? "on" : "off")}, CPU: {Processor.Value}";

    private static readonly Lazy<string> Processor = new(() =>
    {
        string architecture = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            return OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo")
                ? DescribeProcessor(File.ReadAllText("/proc/cpuinfo"), architecture) : architecture;
        }
        catch (IOException)
        {
            return architecture;
        }
    });

    /// <summary>"AMD EPYC, AVX-512" from the text of /proc/cpuinfo: the first processor's model and its widest vector extension.</summary>
    public static string DescribeProcessor(string cpuinfo, string fallback)
    {
        string Field(string name) => cpuinfo.Split('\n')
            .Select(line => line.Split(':', 2))
            .FirstOrDefault(parts => parts.Length == 2 && parts[0].Trim() == name)?[1].Trim() ?? "";
        string model = Field("model name") is { Length: > 0 } named ? named : fallback;
        var flags = Field("flags").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        string? vectors = flags.Contains("avx512f") ? "AVX-512" : flags.Contains("avx2") ? "AVX2" : flags.Contains("avx") ? "AVX" : null;
        return vectors is null ? model : $"{model}, {vectors}";
    }

    // .NET's Environment.SetEnvironmentVariable only changes a managed copy on Unix; libtorch reads the C environment.
    private static class NativeEnvironment
    {
        [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int setenv(string name, string value, int overwrite);

        [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern IntPtr getenv(string name);
    }
}
