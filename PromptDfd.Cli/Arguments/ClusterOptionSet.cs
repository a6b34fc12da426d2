using System.CommandLine;
using PromptDfd.Cluster.Hosting;

namespace PromptDfd.Cli.Arguments;

/// <summary>The options that say how a command joins a cluster: --cluster and, for a worker, its address and ports.</summary>
public sealed class ClusterOptionSet(bool required)
{
    private readonly Option<string?> connection = new("--cluster")
    {
        Description = "the cluster to join: redis:<host:port> or postgres:<connection string>, the membership the dashboard's " +
            "Cluster:Clustering names",
        Required = required,
    };
    private readonly Option<string> clusterId = CliOptions.Text("--cluster-id", "the cluster's name (Cluster:ClusterId)", "promptdfd");
    private readonly Option<string> advertise = CliOptions.Text("--advertise", "this machine's address on the cluster's private network",
        "127.0.0.1");
    private readonly Option<int> siloPort = CliOptions.Whole("--silo-port", "silo-to-silo port (0: any free port)", 0, minimum: 0);
    private readonly Option<int> gatewayPort = CliOptions.Whole("--gateway-port", "client gateway port (0: any free port)", 0, minimum: 0);

    public IEnumerable<Option> All => required ? [connection, clusterId, advertise, siloPort, gatewayPort] : [connection, clusterId];

    /// <summary>The settings, or null when --cluster was not given (the session runs on this machine alone).</summary>
    public ClusterSettings? ReadOptional(ParseResult parsed) => parsed.GetValue(connection) is { } given ? Read(parsed, given) : null;

    public ClusterSettings Read(ParseResult parsed) =>
        Read(parsed, parsed.GetValue(connection) ?? throw new UsageException("--cluster is required."));

    private ClusterSettings Read(ParseResult parsed, string given)
    {
        var settings = new ClusterSettings
        {
            Clustering = given,
            ClusterId = parsed.GetValue(clusterId)!,
            AdvertisedAddress = required ? parsed.GetValue(advertise)! : "127.0.0.1",
            SiloPort = required ? parsed.GetValue(siloPort) : 0,
            GatewayPort = required ? parsed.GetValue(gatewayPort) : 0,
        };
        var problems = settings.Problems();
        if (problems.Count > 0) throw new UsageException(string.Join("; ", problems).Replace("Cluster:Clustering", "--cluster",
            StringComparison.Ordinal) + ".");
        if (settings.IsLocal) throw new UsageException("--cluster localhost means this process alone; give the cluster's Redis " +
            "(redis:<host:port>) or PostgreSQL (postgres:<connection string>) to work with other machines, or leave --cluster out.");
        return settings;
    }
}
