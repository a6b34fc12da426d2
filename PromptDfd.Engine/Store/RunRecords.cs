using System.Text.Json.Serialization;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models;
namespace PromptDfd.Engine.Store;

public enum RunStatus { Queued, Running, Paused, Completed, Cancelled, Failed, Interrupted }

/// <summary>A run as the store keeps it: its config, provenance, status and summary numbers.</summary>
public sealed class RunRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Task { get; set; } = "";
    public string Method { get; set; } = "";
    public string Preset { get; set; } = "";
    public RunStatus Status { get; set; }
    public string ConfigJson { get; set; } = "";
    public long Seed { get; set; }
    public string CodeVersion { get; set; } = "";
    /// <summary>
    /// libtorch, threads and processor of the session that ran it, and of each resumption on a different one: CPU round-off,
    /// so whether two runs of one config and seed agree bit for bit, depends on them. Null until the run first starts.
    /// </summary>
    public string? Runtime { get; set; }
    /// <summary>SHA-256 of every model and dataset the run read.</summary>
    public Dictionary<string, string> Hashes { get; set; } = new();
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public int Step { get; set; }
    public int TotalSteps { get; set; }
    public long SamplesSeen { get; set; }
    /// <summary>The run's accuracy as reported everywhere (<see cref="Store.ReportedAccuracy"/>).</summary>
    public double? ReportedAccuracy { get; set; }
    /// <summary>The latest evaluation, for watching a run live.</summary>
    public double? LastAccuracy { get; set; }
    public double? TeacherAccuracy { get; set; }
    public double SecondsRunning { get; set; }
    public List<string> Tags { get; set; } = [];
    public string Notes { get; set; } = "";
    public bool Starred { get; set; }
    public string? CheckpointFolder { get; set; }
    public int CheckpointStep { get; set; }
    public string? StudentFolder { get; set; }
    public string? Error { get; set; }
    /// <summary>What an active run is doing now (loading models, evaluating, training, saving); null once it stops.</summary>
    public string? Phase { get; set; }
    public string? ParentId { get; set; }
    /// <summary>The process that queued or runs it ("host:pid:start"; see ProcessOwner).</summary>
    public string? Owner { get; set; }
    /// <summary>The cluster worker that executes (or last executed) the run; null when the dashboard's own process does.</summary>
    public string? Worker { get; set; }

    /// <summary>The config as it was written, flattened to "Path.To.Key" = value, for filtering and diffs.</summary>
    [LiteDB.BsonIgnore, JsonIgnore] public SortedDictionary<string, string> ConfigValues => JsonFlattening.Flatten(ConfigJson);
    [LiteDB.BsonIgnore, JsonIgnore] public bool IsActive => Status is RunStatus.Queued or RunStatus.Running or RunStatus.Paused;
    /// <summary>A stopped run continues from its last checkpoint, or from step 0 when it stopped before its first one.</summary>
    [LiteDB.BsonIgnore, JsonIgnore] public bool CanResume => Status is RunStatus.Interrupted or RunStatus.Cancelled or RunStatus.Failed;
    [LiteDB.BsonIgnore, JsonIgnore] public double Progress => TotalSteps == 0 ? 0 : Math.Clamp(Step / (double)TotalSteps, 0, 1);
}

/// <summary>One metric value at a step.</summary>
public sealed class MetricPoint
{
    public long Id { get; set; }
    public string RunId { get; set; } = "";
    public int Step { get; set; }
    public long SamplesSeen { get; set; }
    public string Name { get; set; } = "";
    public double Value { get; set; }
}

/// <summary>One stored synthetic sample.</summary>
public sealed class SampleRecord
{
    public long Id { get; set; }
    public string RunId { get; set; } = "";
    public int Step { get; set; }
    public string Class { get; set; } = "";
    public string Prompt { get; set; } = "";
    public string Content { get; set; } = "";
    public string TeacherLabel { get; set; } = "";
    public double TeacherConfidence { get; set; }
    public string StudentLabel { get; set; } = "";
    public string Origin { get; set; } = "";
    public bool Banned { get; set; }
}

/// <summary>Something that happened in a run: status changes, logs, prompt changes, checkpoints, top prompts.</summary>
public sealed class RunEventRecord
{
    public long Id { get; set; }
    public string RunId { get; set; } = "";
    public int Step { get; set; }
    public DateTime Time { get; set; }
    public string Kind { get; set; } = "";
    public string Message { get; set; } = "";
    /// <summary>JSON payload (a steering command, the top prompts), when the event has one.</summary>
    public string? Data { get; set; }
}

public static class RunEventKinds
{
    public const string Status = "status";
    public const string Log = "log";
    public const string Steering = "steering";
    public const string Checkpoint = "checkpoint";
    public const string TopPrompts = "top-prompts";
}
