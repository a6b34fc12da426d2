using System.Globalization;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Training;

/// <summary>
/// The model card rows that say where a trained file came from. The command and seed re-create it; these say which
/// code and which machine it was made with, which is what bit-for-bit reproduction also needs.
/// </summary>
public static class TrainingProvenance
{
    /// <param name="scope">what the time covers when it is not the whole training, e.g. "for the soup"</param>
    public static IReadOnlyList<(string Name, string Value)> Rows(TimeSpan wallTime, string scope = "") =>
    [
        ("wall time", string.Create(CultureInfo.InvariantCulture,
            $"{wallTime.TotalMinutes:F1} min{(scope.Length > 0 ? " " + scope : "")}")),
        ("runtime", TorchRuntime.Describe()),
        ("code version", CodeVersion.OfRunningCode()),
    ];
}
