using System.Buffers.Binary;
using System.Text;

namespace PromptDfd.Engine.Models.Formats.PyTorch;

/// <summary>One file inside a zip archive, and where its bytes start in the archive.</summary>
public sealed record ZipEntry(string Name, bool IsStored, long Size, long DataOffset);

/// <summary>
/// The central directory of a zip archive, ZIP64 included. PyTorch's checkpoints are zip archives whose entries are
/// stored uncompressed, so a tensor's values can be read in place from the archive at a known offset, however large
/// the file (System.IO.Compression does not say where an entry's data starts).
/// </summary>
public static class ZipDirectory
{
    private const uint EndOfDirectorySignature = 0x06054b50, Zip64LocatorSignature = 0x07064b50, Zip64EndSignature = 0x06064b50;
    private const uint DirectoryEntrySignature = 0x02014b50, LocalHeaderSignature = 0x04034b50;

    public static IReadOnlyDictionary<string, ZipEntry> Read(FileStream stream, string source)
    {
        long end = FindEndOfDirectory(stream, source);
        byte[] record = ReadAt(stream, end, 22, source);
        long entryCount = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(12));
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(16));
        if (end >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(ReadAt(stream, end - 20, 4, source)) == Zip64LocatorSignature)
        {
            long zip64End = BinaryPrimitives.ReadInt64LittleEndian(ReadAt(stream, end - 20 + 8, 8, source));
            byte[] zip64 = ReadAt(stream, zip64End, 56, source);
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip64) != Zip64EndSignature) throw Corrupt(source,
                "its ZIP64 end record is missing");
            entryCount = BinaryPrimitives.ReadInt64LittleEndian(zip64.AsSpan(32));
            directorySize = BinaryPrimitives.ReadInt64LittleEndian(zip64.AsSpan(40));
            directoryOffset = BinaryPrimitives.ReadInt64LittleEndian(zip64.AsSpan(48));
        }
        if (directoryOffset < 0 || directorySize < 0 || directoryOffset + directorySize > stream.Length)
            throw Corrupt(source, "its central directory lies outside the file (truncated download?)");
        if (directorySize > int.MaxValue) throw Corrupt(source, "its central directory is larger than any checkpoint's");

        byte[] directory = ReadAt(stream, directoryOffset, (int)directorySize, source);
        var entries = new Dictionary<string, ZipEntry>(StringComparer.Ordinal);
        int at = 0;
        for (long i = 0; i < entryCount; i++)
        {
            if (at + 46 > directory.Length || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(at)) != DirectoryEntrySignature)
                throw Corrupt(source, $"entry {i + 1} of its central directory is damaged");
            ReadOnlySpan<byte> header = directory.AsSpan(at);
            int method = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
            long compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            long localHeader = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
            if (at + 46 + nameLength + extraLength + commentLength > directory.Length) throw Corrupt(source,
                $"entry {i + 1} of its central directory is damaged");
            string name = Encoding.UTF8.GetString(directory, at + 46, nameLength);
            ReadZip64Sizes(directory.AsSpan(at + 46 + nameLength, extraLength), ref size, ref compressedSize, ref localHeader);
            at += 46 + nameLength + extraLength + commentLength;

            long dataOffset = DataOffset(stream, localHeader, source, name);
            if (dataOffset + compressedSize > stream.Length) throw Corrupt(source,
                $"'{name}' runs past the end of the file (truncated download?)");
            entries[name] = new ZipEntry(name, method == 0 && compressedSize == size, size, dataOffset);
        }
        return entries;
    }

    // ZIP64 moves any size or offset that does not fit in 32 bits into extra field 0x0001, in this order.
    private static void ReadZip64Sizes(ReadOnlySpan<byte> extra, ref long size, ref long compressedSize, ref long localHeader)
    {
        while (extra.Length >= 4)
        {
            int id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + length > extra.Length) return;
            if (id == 0x0001)
            {
                ReadOnlySpan<byte> values = extra.Slice(4, length);
                if (size == uint.MaxValue && values.Length >= 8)
                {
                    size = BinaryPrimitives.ReadInt64LittleEndian(values); values = values[8..];
                }
                if (compressedSize == uint.MaxValue && values.Length >= 8)
                {
                    compressedSize = BinaryPrimitives.ReadInt64LittleEndian(values); values = values[8..];
                }
                if (localHeader == uint.MaxValue && values.Length >= 8) localHeader = BinaryPrimitives.ReadInt64LittleEndian(values);
                return;
            }
            extra = extra[(4 + length)..];
        }
    }

    // The local header repeats the name and has its own extra field (PyTorch pads it to align tensor data), so the
    // data starts after the local header's lengths, not the central directory's.
    private static long DataOffset(FileStream stream, long localHeader, string source, string name)
    {
        byte[] header = ReadAt(stream, localHeader, 30, source);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalHeaderSignature) throw Corrupt(source,
            $"the local header of '{name}' is missing");
        return localHeader + 30 + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(26))
            + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28));
    }

    private static long FindEndOfDirectory(FileStream stream, string source)
    {
        // The end record is the last 22 bytes plus a comment of at most 65,535 bytes.
        int window = (int)Math.Min(stream.Length, 22 + 65535);
        byte[] tail = ReadAt(stream, stream.Length - window, window, source);
        for (int at = window - 22; at >= 0; at--)
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at)) == EndOfDirectorySignature) return stream.Length - window + at;
        throw Corrupt(source, "it has no zip end record (truncated download?)");
    }

    private static byte[] ReadAt(FileStream stream, long offset, int count, string source)
    {
        if (offset < 0 || offset + count > stream.Length) throw Corrupt(source, "a zip record lies outside the file (truncated download?)");
        var bytes = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static InvalidDataException Corrupt(string source, string problem) =>
        new($"'{source}' is not a readable PyTorch checkpoint: {problem}. Re-download or re-save the checkpoint.");
}
