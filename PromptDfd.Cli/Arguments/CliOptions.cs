using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace PromptDfd.Cli.Arguments;

/// <summary>
/// Options as this command line writes them ("--name value", "--switch"), each with the description and default that
/// <c>promptdfd &lt;command&gt; --help</c> shows. Values that fail a check here are usage errors, reported before the
/// command starts.
/// </summary>
public static class CliOptions
{
    /// <summary>A text option that is absent unless given (null).</summary>
    public static Option<string?> Text(string name, string description) => new(name) { Description = description };

    public static Option<string> Text(string name, string description, string fallback) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback };

    /// <summary>A file to write or open: naming an existing folder is a usage error that says so, not "access denied" later.</summary>
    public static TOption NotAFolder<TOption>(TOption option, string example) where TOption : Option
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { Length: > 0 } path && Directory.Exists(path))
                result.AddError($"{option.Name} '{path}' is a folder; give a file, e.g. {Path.Combine(path, example)}.");
        });
        return option;
    }

    /// <summary>A text option that must be one of a few words.</summary>
    public static Option<string> Choice(string name, string description, string fallback, params string[] allowed)
    {
        var option = Text(name, description, fallback);
        option.Validators.Add(result =>
        {
            string value = result.GetValueOrDefault<string>();
            if (!allowed.Contains(value, StringComparer.Ordinal))
                result.AddError($"{name} must be {string.Join(", ", allowed[..^1])} or {allowed[^1]} (got '{value}').");
        });
        return option;
    }

    public static Option<int> Whole(string name, string description, int fallback, int? minimum = null) =>
        AtLeast(new Option<int>(name) { Description = description, DefaultValueFactory = _ => fallback }, minimum);

    /// <summary>--device: where libtorch computes.</summary>
    public static Option<string> Device(string fallback = "auto") => Text("--device", "cpu, cuda, or auto (CUDA when a CUDA build of " +
        "libtorch finds a GPU, else CPU)", fallback);

    /// <summary>--threads: libtorch's thread count.</summary>
    public static Option<int> Threads() => Whole("--threads", "libtorch's thread count; 0 lets libtorch choose", 0, minimum: 0);

    public static Option<long> Long(string name, string description, long fallback) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback };

    public static Option<double> Number(string name, string description, double fallback) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback };

    public static Option<bool> Switch(string name, string description) => new(name) { Description = description };

    /// <summary>An option given once per value (--set A=1 --set B=2).</summary>
    public static Option<string[]> Repeated(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.ZeroOrMore, DefaultValueFactory = _ => [] };

    /// <summary>A step count: null when absent, a usage error when not a whole number of at least 1.</summary>
    public static Option<int?> Steps(string description) => new("--steps")
    {
        Description = description,
        CustomParser = result =>
        {
            string given = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (int.TryParse(given, NumberStyles.Integer, CultureInfo.InvariantCulture, out int steps) && steps >= 1) return steps;
            result.AddError($"--steps must be a whole number of steps, at least 1 (got '{given}').");
            return null;
        },
    };

    /// <summary>A comma-separated list of whole numbers, e.g. --seeds 1,2,3.</summary>
    public static Option<IReadOnlyList<long>?> Longs(string name, string description, string example) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var values = new List<long>();
            foreach (string item in result.Tokens[0].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (long.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)) values.Add(value);
                else result.AddError($"{name} expects whole numbers separated by commas (e.g. {example}), got '{item}'.");
            }
            return values;
        },
    };

    /// <summary>A comma-separated list of names, e.g. --tasks sentiment,genre.</summary>
    public static IReadOnlyList<string> Names(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Option<T> AtLeast<T>(Option<T> option, T? minimum) where T : struct, IComparable<T>
    {
        if (minimum is not T least) return option;
        option.Validators.Add(result =>
        {
            // A value that is not a number at all is already a parse error of its own.
            if (!TryGetValue(result, out T value)) return;
            if (value.CompareTo(least) < 0) result.AddError($"{option.Name} must be at least {least} (got {value}).");
        });
        return option;
    }

    private static bool TryGetValue<T>(OptionResult result, out T value)
    {
        try { value = result.GetValueOrDefault<T>(); return true; }
        catch (InvalidOperationException) { value = default!; return false; }
    }
}

public sealed class UsageException(string message) : Exception(message);
