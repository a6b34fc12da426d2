using Microsoft.Extensions.Logging;

namespace PromptDfd.Cluster.Host;

internal static partial class ClusterLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} did not take run {Run}: {Error}")]
    public static partial void WorkerRefusedRun(this ILogger logger, string worker, string run, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} (attempt {Attempt}) executes on worker {Worker}")]
    public static partial void RunPlaced(this ILogger logger, string run, int attempt, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} lost run {Run} (attempt {Attempt}); it resumes elsewhere")]
    public static partial void WorkerLost(this ILogger logger, string worker, string run, int attempt);
}
