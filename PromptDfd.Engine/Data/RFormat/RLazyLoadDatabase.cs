using System.Buffers.Binary;
using System.IO.Compression;
using SharpCompress.Compressors.LZMA;

namespace PromptDfd.Engine.Data.RFormat;

/// <summary>
/// An installed R package's lazy-load data (data/Rdata.rdx and data/Rdata.rdb): the index names each dataset's place in the
/// database, where it is stored serialized and compressed (zlib, or for packages built with xz compression raw LZMA2).
/// </summary>
public sealed class RLazyLoadDatabase
{
    private readonly string database;
    private readonly Dictionary<string, (int Offset, int Length)> places;
    private readonly bool typedCompression;

    private RLazyLoadDatabase(string database, Dictionary<string, (int, int)> places, bool typedCompression) =>
        (this.database, this.places, this.typedCompression) = (database, places, typedCompression);

    /// <param name="dataFolder">the package's data folder, with Rdata.rdx and Rdata.rdb</param>
    public static RLazyLoadDatabase Open(string dataFolder)
    {
        string index = Path.Combine(dataFolder, "Rdata.rdx"), database = Path.Combine(dataFolder, "Rdata.rdb");
        if (!File.Exists(index) || !File.Exists(database))
            throw new FileNotFoundException($"No R lazy-load data (Rdata.rdx and Rdata.rdb) in {dataFolder}.");
        using var gzip = new GZipStream(File.OpenRead(index), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        RObject root = RSerialization.Read(buffer.ToArray()) ?? throw new InvalidDataException($"{index} is empty.");
        RObject variables = Entry(root, "variables");
        var places = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        for (int i = 0; i < variables.Names.Length; i++)
        {
            int[] place = variables.Items[i]?.Integers ?? throw new InvalidDataException($"{index} has no place for {variables.Names[i]}.");
            places[variables.Names[i]!] = (place[0], place[1]);
        }
        bool typed = Array.IndexOf(root.Names, "compressed") is int at and >= 0 && root.Items[at]?.Elements switch
        {
            int[] level => level[0] == 3,
            double[] level => level[0] == 3,
            _ => false,
        };
        return new RLazyLoadDatabase(database, places, typed);
    }

    public IReadOnlyCollection<string> Names => places.Keys;

    /// <summary>The dataset of that name, as R would load it.</summary>
    public RObject Read(string name)
    {
        if (!places.TryGetValue(name, out var place))
            throw new KeyNotFoundException($"The R data has no dataset '{name}' (it has {string.Join(", ", places.Keys.Order())}).");
        byte[] stored = new byte[place.Length];
        using (FileStream stream = File.OpenRead(database))
        {
            stream.Position = place.Offset;
            stream.ReadExactly(stored);
        }
        return RSerialization.Read(Unpack(stored, typedCompression, name)) ?? throw new InvalidDataException($"Dataset '{name}' is NULL.");
    }

    /// <summary>One stored value's serialization: a 4-byte big-endian size, then (when <paramref name="typedCompression"/>) a
    /// byte naming the compression, then the compressed bytes.</summary>
    public static byte[] Unpack(byte[] stored, bool typedCompression, string name)
    {
        int size = BinaryPrimitives.ReadInt32BigEndian(stored);
        char method = typedCompression ? (char)stored[4] : '1';
        var payload = new MemoryStream(stored, typedCompression ? 5 : 4, stored.Length - (typedCompression ? 5 : 4));
        using Stream decompressed = method switch
        {
            '0' => payload,
            '1' => new ZLibStream(payload, CompressionMode.Decompress),
            // R writes raw LZMA2 (no xz container) at preset 9: a 64 MiB dictionary, property byte 28.
            'Z' => LzmaStream.Create([28], payload, payload.Length, size, null, isLzma2: true, leaveOpen: false),
            _ => throw new InvalidDataException($"Dataset '{name}' is stored with compression '{method}', which this reader does not " +
                "know (it reads none, zlib and xz)."),
        };
        var output = new byte[size];
        decompressed.ReadExactly(output);
        return output;
    }

    private static RObject Entry(RObject list, string name)
    {
        int index = Array.IndexOf(list.Names, name);
        return index >= 0 && list.Items[index] is { } entry ? entry
            : throw new InvalidDataException($"The R lazy-load index has no '{name}'.");
    }
}
