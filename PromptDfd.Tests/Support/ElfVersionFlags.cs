using System.Text;

namespace PromptDfd.Tests.Support;

/// <summary>Reads the vernaux flags of an ELF64 shared library (independently of the build-time patcher).</summary>
public static class ElfVersionFlags
{
    public static bool IsWeak(byte[] elf, string versionName)
    {
        long sections = BitConverter.ToInt64(elf, 0x28);
        int size = BitConverter.ToUInt16(elf, 0x3A), count = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < count; s++)
        {
            int header = (int)(sections + s * size);
            if (BitConverter.ToUInt32(elf, header + 4) != 0x6ffffffe) continue;
            long need = BitConverter.ToInt64(elf, header + 0x18);
            long strings = BitConverter.ToInt64(elf, (int)(sections + BitConverter.ToUInt32(elf, header + 0x28) * size) + 0x18);
            for (uint n = 0, needs = BitConverter.ToUInt32(elf, header + 0x2C); n < needs; n++)
            {
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < BitConverter.ToUInt16(elf, (int)need + 2); a++)
                {
                    int start = (int)(strings + BitConverter.ToUInt32(elf, (int)aux + 8)), end = Array.IndexOf(elf, (byte)0, start);
                    if (Encoding.ASCII.GetString(elf, start, end - start) == versionName)
                        return (BitConverter.ToUInt16(elf, (int)aux + 4) & 0x2) != 0;
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        throw new InvalidDataException($"No requirement on {versionName} found.");
    }
}
