using PromptDfd.Cluster.Contracts;

namespace PromptDfd.Cluster.Host;

/// <summary>A silo as the dispatcher last asked it: its worker and how long it took to answer, or why it did not answer.</summary>
public sealed record WorkerHealth(string Address, WorkerDescription? Worker, TimeSpan AnswerTime, string? Problem);
