namespace PromptDfd.Engine.Text;

/// <summary>
/// GPT-2's reversible byte-to-character map: every byte becomes a printable character so that a BPE vocabulary
/// can be stored as JSON strings. Printable Latin-1 bytes map to themselves, the rest to U+0100 onwards.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    public static char ToChar(byte value) => ByteToChar[value];

    public static bool TryToByte(char symbol, out byte value) => CharToByte.TryGetValue(symbol, out value);

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var printable = new bool[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            map[b] = printable[b] ? (char)b : (char)(256 + next++);
        }
        return map;
    }
}
