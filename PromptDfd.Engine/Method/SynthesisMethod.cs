namespace PromptDfd.Engine.Method;

/// <summary>Where the student's training text comes from (method.md, "Baselines and ablations").</summary>
public enum SynthesisMethod
{
    /// <summary>The reinforced topic prompter steers the frozen prior (ablations are reward weights and N_p = 0).</summary>
    PromptDfd,
    /// <summary>Upper bound: the real training texts of the task.</summary>
    DataDrivenKd,
    /// <summary>Uniformly random token sequences.</summary>
    RandomText,
    /// <summary>The prior's samples without any prompt.</summary>
    UnconditionalPrior,
    /// <summary>Hand-written label-descriptive prompts per class, no RL (ZeroGen-style).</summary>
    FixedPrompts,
    /// <summary>Continuous input embeddings optimised for teacher confidence and teacher-student disagreement.</summary>
    AsDfd,
}
