namespace PromptDfd.Cluster.Host;

/// <summary>How the dashboard's host finds workers and decides one is lost (bound from the "Cluster:Dispatcher" configuration section).</summary>
public sealed class DispatcherOptions
{
    public const string Section = "Cluster:Dispatcher";

    /// <summary>How often queued runs look again for a free worker, and busy workers are asked whether they still execute their runs.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a worker may take to answer before the answer counts as missing.</summary>
    public TimeSpan AnswerWithin { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Missing answers in a row after which a worker counts as lost and its run resumes elsewhere.</summary>
    public int MissedChecksBeforeLost { get; set; } = 3;
}
