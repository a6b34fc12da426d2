using PromptDfd.Engine.Runs;

namespace PromptDfd.Cluster.Contracts;

/// <summary>The folders a run reads, by role.</summary>
public enum RunInputRole { Task, Prior, Teacher, StudentBody }

public static class RunInputRoles
{
    /// <summary>Where an environment finds the run's folder of this role; null: the run reads none (a student from random weights).</summary>
    public static string? FolderIn(this RunInputRole role, RunEnvironment environment, RunConfig config) => role switch
    {
        RunInputRole.Task => environment.TaskFolder(config),
        RunInputRole.Prior => environment.PriorFolder(config),
        RunInputRole.Teacher => environment.TeacherFolder(config),
        _ => environment.StudentBodyFolder(config),
    };
}

/// <summary>A folder a run reads, addressed by its content (<see cref="Engine.Infrastructure.FolderContent"/>): a worker uses its own copy
/// when the hash matches, and otherwise fetches the host's.</summary>
[GenerateSerializer, Immutable]
public sealed record RunInput([property: Id(0)] RunInputRole Role, [property: Id(1)] string Hash, [property: Id(2)] string HostFolder);

/// <summary>One chunk of a run input's archive, and how many chunks the archive has.</summary>
[GenerateSerializer, Immutable]
public sealed record RunInputChunk([property: Id(0)] byte[] Data, [property: Id(1)] int Count);
