namespace PromptDfd.Engine.Data.RFormat;

/// <summary>
/// An R value as R's serialization writes it, as far as the datasets we read need: vectors (their elements in
/// <see cref="Elements"/>: string?[] for character, int[] for integer and factor, double[] for double, RObject?[] for lists),
/// pairlists (<see cref="Pairs"/>), symbols, and every value's attributes (names, class, levels, row.names).
/// </summary>
public sealed class RObject
{
    public const int NaInteger = int.MinValue;

    public RObject(RType type, object? elements = null) => (Type, Elements) = (type, elements);

    public RType Type { get; }
    public object? Elements { get; }
    /// <summary>A pairlist's cells: tag (a name, or null) and value.</summary>
    public List<(string? Tag, RObject? Value)> Pairs { get; } = [];
    public Dictionary<string, RObject?> Attributes { get; } = new(StringComparer.Ordinal);
    /// <summary>A symbol's name.</summary>
    public string? Name { get; init; }

    public string?[] Strings => Elements as string?[] ?? throw Unexpected("a character vector");
    public int[] Integers => Elements as int[] ?? throw Unexpected("an integer vector");
    public RObject?[] Items => Elements as RObject?[] ?? throw Unexpected("a list");
    public string?[] Names => Attributes.GetValueOrDefault("names")?.Strings ?? [];

    /// <summary>A data frame's (or tibble's) column as text: a character column as it is, a factor's codes as their levels.</summary>
    public string?[] Column(string name)
    {
        int index = Array.IndexOf(Names, name);
        if (index < 0) throw new InvalidDataException($"The R data frame has no column '{name}' (it has {string.Join(", ", Names)}).");
        RObject column = Items[index] ?? throw new InvalidDataException($"Column '{name}' of the R data frame is NULL.");
        if (column.Elements is string?[] strings) return strings;
        if (column.Attributes.GetValueOrDefault("levels")?.Strings is { } levels)
            return [.. column.Integers.Select(code => code == NaInteger ? null : levels[code - 1])];
        throw new InvalidDataException($"Column '{name}' of the R data frame is {column.Type}, not text or a factor.");
    }

    private InvalidDataException Unexpected(string wanted) => new($"Expected {wanted} in the R data, found {Type}.");
}

/// <summary>R's SEXP types, by the numbers its serialization writes.</summary>
public enum RType
{
    Null = 0, Symbol = 1, PairList = 2, Closure = 3, Environment = 4, Promise = 5, Language = 6, Char = 9, Logical = 10,
    Integer = 13, Double = 14, Complex = 15, Character = 16, Dots = 17, List = 19, Expression = 20, Bytecode = 21, Raw = 24,
    S4 = 25,
}
