using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>Process-wide libtorch settings: device choice, thread count and seeding.</summary>
public static class TorchRuntime
{
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

    public static string Describe() =>
        $"libtorch {__version__}, TorchSharp {typeof(torch).Assembly.GetName().Version}, CUDA available: {cuda.is_available()}, threads: {get_num_threads()}";
}
