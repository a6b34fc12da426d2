// libtorch's random generator and thread pool are process-wide: tests that seed it, or time it, must not
// interleave with others, so test classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
