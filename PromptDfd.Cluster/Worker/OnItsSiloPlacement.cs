using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace PromptDfd.Cluster.Worker;

/// <summary>Places a grain keyed by a silo address on that silo, and nowhere else.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class OnItsSiloAttribute() : PlacementAttribute(OnItsSiloPlacement.Instance);

public sealed class OnItsSiloPlacement : PlacementStrategy
{
    internal static readonly OnItsSiloPlacement Instance = new();
}

/// <summary>
/// Finds the silo a worker grain's key names among the live compatible ones; when that silo has left the cluster the
/// activation fails, so callers learn the worker is gone instead of talking to a stand-in on another silo.
/// </summary>
public sealed class OnItsSiloPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        SiloAddress? silo = context.GetCompatibleSilos(target).FirstOrDefault(s => s.ToParsableString() == key);
        return silo is not null
            ? Task.FromResult(silo)
            : throw new SiloUnavailableException($"Worker {key} is not in the cluster (it stopped or was never there).");
    }
}
