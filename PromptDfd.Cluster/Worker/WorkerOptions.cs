namespace PromptDfd.Cluster.Worker;

/// <summary>How a worker presents itself to the cluster (bound from the "Worker" configuration section or the worker command).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Shown in the dashboard; defaults to the machine's name.</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>What kind of machine this is ("cpu", "gpu", or any label); a run can ask for a kind.</summary>
    public string Kind { get; set; } = "cpu";

    /// <summary>Runs executed at once; they take turns on the worker's one libtorch thread.</summary>
    public int Slots { get; set; } = 1;

    /// <summary>Accepts runs at all: a dashboard host can keep its silo for the cluster and leave training to other machines.</summary>
    public bool AcceptsRuns { get; set; } = true;
}
