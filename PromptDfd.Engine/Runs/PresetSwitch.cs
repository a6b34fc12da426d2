using System.Reflection;
using PromptDfd.Engine.Method;

namespace PromptDfd.Engine.Runs;

/// <summary>
/// Choosing another preset for a config someone has edited: the preset changes the method and its switches, nothing else. A
/// switch is any value the old or the new preset sets away from the defaults; it takes the new preset's value, and every
/// other value (steps, seed, learning rates, ...) stays as edited.
/// </summary>
public static class PresetSwitch
{
    public static RunConfig To(RunConfig current, string preset)
    {
        var defaults = new MethodConfig();
        MethodConfig from = RunPresets.All.FirstOrDefault(p => p.Name == current.Preset)?.Apply(defaults) ?? defaults;
        MethodConfig to = RunPresets.Get(preset).Apply(defaults);
        return current with { Preset = preset, Training = (MethodConfig)Merge(current.Training, defaults, from, to) };
    }

    // Config records are compared value by value one level at a time, so a preset that sets one reward weight leaves the others.
    private static object Merge(object current, object defaults, object from, object to)
    {
        object result = Clone(current);
        foreach (PropertyInfo property in current.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
        {
            object? value = property.GetValue(current), byDefault = property.GetValue(defaults);
            object? fromPreset = property.GetValue(from), toPreset = property.GetValue(to);
            object? merged = IsRecord(property.PropertyType) && value is not null && byDefault is not null && fromPreset is not null
                             && toPreset is not null
                ? Merge(value, byDefault, fromPreset, toPreset)
                : !Equals(fromPreset, byDefault) || !Equals(toPreset, byDefault) ? toPreset : value;
            property.SetValue(result, merged);
        }
        return result;
    }

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null;

    private static object Clone(object record) => record.GetType().GetMethod("<Clone>$")!.Invoke(record, null)!;
}
