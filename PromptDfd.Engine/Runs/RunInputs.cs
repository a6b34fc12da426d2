namespace PromptDfd.Engine.Runs;

/// <summary>
/// The folders a run reads when they are not where its workspace would find them: a cluster worker that fetched the task,
/// prior and teacher (and the student's starting model, if any) by content hash from the host runs on its copies. The config
/// still names the host's folders.
/// </summary>
public sealed record RunInputs(string Task, string Prior, string Teacher, string? StudentBody = null);
