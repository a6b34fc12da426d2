using System.Globalization;

namespace PromptDfd.Web.Components;

/// <summary>
/// Typed values of a page's query string. Pages take their query parameters as text and read them through these,
/// because a typed [SupplyParameterFromQuery] turns a hand-edited or truncated link ("?min=abc") into a server
/// error; here such a value is ignored and the page shows its default.
/// </summary>
public static class QueryValue
{
    public static int? Int(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
        : null;

    public static long? Long(string? text) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
        ? value : null;

    public static double? Double(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value : null;

    public static bool? Bool(string? text) => bool.TryParse(text, out bool value) ? value : null;
}
