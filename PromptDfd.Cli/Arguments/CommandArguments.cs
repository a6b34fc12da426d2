using System.Globalization;
using PromptDfd.Engine;

namespace PromptDfd.Cli.Arguments;

/// <summary>"--name value" options and "--flag" switches after the verb; unknown or malformed options are errors.</summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, string?> options = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> repeated = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public CommandArguments(IEnumerable<string> arguments)
    {
        string[] items = arguments.ToArray();
        for (int i = 0; i < items.Length; i++)
        {
            if (!items[i].StartsWith("--", StringComparison.Ordinal) || items[i].Length < 3)
                throw new UsageException($"Unexpected argument '{items[i]}'; options look like --name value.");
            string name = items[i][2..];
            bool hasValue = i + 1 < items.Length && !items[i + 1].StartsWith("--", StringComparison.Ordinal);
            options[name] = hasValue ? items[++i] : null;
            if (options[name] is { } value) (repeated.TryGetValue(name, out var list) ? list : repeated[name] = []).Add(value);
        }
    }

    public string String(string name, string fallback)
    {
        used.Add(name); return options.TryGetValue(name, out string? v) && v is not null
        ? v : fallback;
    }

    /// <summary>Every value of an option that may repeat (e.g. --set A=1 --set B=2).</summary>
    public IReadOnlyList<string> All(string name) { used.Add(name); return repeated.TryGetValue(name, out var list) ? list : []; }

    /// <summary>The --set Key=value run-config overrides, with --device X as the shorthand for --set Device=X.</summary>
    public IReadOnlyList<string> RunConfigOverrides()
    {
        string device = String("device", "");
        return device.Length == 0 ? All("set") : [.. All("set"), $"Device={device}"];
    }

    /// <summary>--task (default sentiment) and --task-folder, which defaults to the shipped task of that name.</summary>
    public (string Name, string Folder) Task()
    {
        string name = String("task", "sentiment");
        return (name, String("task-folder", Repository.Workspace.Task(name)));
    }

    public bool Flag(string name) { used.Add(name); return options.ContainsKey(name); }

    public int Int(string name, int fallback) => Parse(name, fallback, s => int.Parse(s, CultureInfo.InvariantCulture));

    public long Long(string name, long fallback) => Parse(name, fallback, s => long.Parse(s, CultureInfo.InvariantCulture));

    public double Double(string name, double fallback) => Parse(name, fallback, s => double.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>A step count: null when the option is absent, an error when it is not a whole number of at least 1.</summary>
    public int? Steps(string name = "steps")
    {
        string given = String(name, "");
        if (given.Length == 0) return null;
        return int.TryParse(given, NumberStyles.Integer, CultureInfo.InvariantCulture, out int steps) && steps >= 1
            ? steps
            : throw new UsageException($"--{name} must be a whole number of steps, at least 1 (got '{given}').");
    }

    /// <summary>A comma-separated list of whole numbers, e.g. --seeds 1,2,3.</summary>
    public IReadOnlyList<long> Longs(string name, string fallback) =>
        String(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(item => long.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
                ? value
                : throw new UsageException($"--{name} expects whole numbers separated by commas (e.g. {fallback}), got '{item}'."))
            .ToList();

    /// <summary>Fails on options no command asked for, so a typo is not silently ignored.</summary>
    public void RejectUnknown()
    {
        var unknown = options.Keys.Where(k => !used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}. Known here: " +
                $"{string.Join(", ", used.Order().Select(u => "--" + u))}.");
    }

    private T Parse<T>(string name, T fallback, Func<string, T> parse)
    {
        used.Add(name);
        if (!options.TryGetValue(name, out string? value) || value is null) return fallback;
        try { return parse(value); }
        catch (FormatException) { throw new UsageException($"--{name} expects a {typeof(T).Name.ToLowerInvariant()}, got '{value}'."); }
        catch (OverflowException) { throw new UsageException($"--{name} value '{value}' is out of range."); }
    }
}

public sealed class UsageException(string message) : Exception(message);
