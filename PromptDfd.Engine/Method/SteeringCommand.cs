using System.Text.Json.Serialization;

namespace PromptDfd.Engine.Method;

[JsonConverter(typeof(JsonStringEnumConverter<SteeringAction>))]
public enum SteeringAction { Add, Pin, Unpin, Ban, Unban, Edit, Remove }

/// <summary>A user's change to the topic prompts of one class; <see cref="NewPrompt"/> is only for Edit.</summary>
public sealed record SteeringCommand(SteeringAction Action, string Class, string Prompt, string? NewPrompt = null)
{
    public override string ToString() => Action == SteeringAction.Edit
        ? $"edit [{Class}] \"{Prompt}\" -> \"{NewPrompt}\"" : $"{Action.ToString().ToLowerInvariant()} [{Class}] \"{Prompt}\"";
}

/// <summary>A prompt change applied at the start of a given step (how interventions are replayed).</summary>
public sealed record ScheduledSteering(int Step, SteeringCommand Command);
