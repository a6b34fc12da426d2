using System.Text.Json;
using TorchSharp;

namespace PromptDfd.Engine.Infrastructure;

/// <summary>
/// Reads the weights and JSON state a checkpoint folder holds, so a damaged file is reported by name with what to do,
/// never as "read past the end of the stream" or a JSON parser's byte offset.
/// </summary>
public static class CheckpointFiles
{
    private const string Advice = "The checkpoint is damaged (a truncated or overwritten file); resume from an earlier copy or " +
        "start again without resuming.";

    public static void LoadWeights(torch.nn.Module module, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is missing from the checkpoint. {Advice}", path);
        try
        {
            module.load(path);
        }
        catch (Exception error) when (error is ArgumentException or IOException and not FileNotFoundException)
        {
            throw new InvalidDataException($"'{path}' cannot be read as this model's weights ({error.Message}). {Advice}", error);
        }
    }

    public static T ReadJson<T>(string path) where T : class
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is missing from the checkpoint. {Advice}", path);
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path)) ?? throw new InvalidDataException($"'{path}' is empty. {Advice}");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON state (at line {error.LineNumber + 1}). {Advice}", error);
        }
    }
}
