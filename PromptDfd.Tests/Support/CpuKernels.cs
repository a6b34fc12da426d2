namespace PromptDfd.Tests.Support;

/// <summary>
/// The processor traits that decide which kernels libtorch runs (vendor and the wide vector extensions): two machines
/// with the same signature compute bit-identical floats for the same program.
/// </summary>
public static class CpuKernels
{
    public static string Signature { get; } = Read();

    private static string Read()
    {
        const string info = "/proc/cpuinfo";
        if (!File.Exists(info)) return "unknown";
        string[] lines = File.ReadAllLines(info);
        string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
        var flags = Field("flags").Split(' ').ToHashSet();
        string[] wide = ["avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile"];
        return string.Join('+', [Field("vendor_id"), .. wide.Where(flags.Contains)]);
    }
}
