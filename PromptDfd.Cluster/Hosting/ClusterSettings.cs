using System.Net;
using System.Net.Sockets;

namespace PromptDfd.Cluster.Hosting;

/// <summary>
/// Where this process's silo finds the rest of the cluster and where it listens, bound from the "Cluster" section of
/// appsettings.json or the worker command's options. The default is a cluster of one: this machine, loopback only.
/// </summary>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";
    public const string Localhost = "localhost";
    private const string RedisPrefix = "redis:";
    private const string PostgresPrefix = "postgres:";

    /// <summary>
    /// Where every silo of the cluster registers and finds the others: "localhost" (this process alone, on loopback),
    /// "redis:&lt;StackExchange.Redis connection string&gt;" (for example redis:10.0.0.5:6379), or "postgres:&lt;Npgsql
    /// connection string&gt;" (for example postgres:Host=10.0.0.5;Database=promptdfd;Username=promptdfd;Password=...).
    /// </summary>
    public string Clustering { get; set; } = Localhost;

    /// <summary>Names the cluster: silos join only silos of the same id, so two clusters can share one Redis.</summary>
    public string ClusterId { get; set; } = "promptdfd";

    /// <summary>The address other silos reach this one at (one of this machine's, on the private network).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Silo-to-silo port; 0 picks a free one (fine for localhost; give fixed ports to open in a firewall).</summary>
    public int SiloPort { get; set; }

    /// <summary>Client gateway port; 0 picks a free one.</summary>
    public int GatewayPort { get; set; }

    public bool IsLocal => Clustering.Trim().Equals(Localhost, StringComparison.OrdinalIgnoreCase);

    /// <summary>The Redis connection string, or null for other clustering.</summary>
    public string? RedisConnection => After(RedisPrefix);

    /// <summary>The PostgreSQL connection string, or null for other clustering.</summary>
    public string? PostgresConnection => After(PostgresPrefix);

    private string? After(string prefix) => Clustering.Trim().StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
        ? Clustering.Trim()[prefix.Length..].Trim() : null;

    /// <summary>Every problem with these settings, each saying what to change; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!IsLocal && string.IsNullOrWhiteSpace(RedisConnection) && string.IsNullOrWhiteSpace(PostgresConnection))
            problems.Add("Cluster:Clustering must be 'localhost', 'redis:<host:port>' or 'postgres:<connection string>' (got " +
                $"'{Redacted}')");
        else if (PostgresConnection is { Length: > 0 } postgres && !ValidConnectionString(postgres))
            problems.Add("Cluster:Clustering has a PostgreSQL connection string that does not parse; write it as " +
                "postgres:Host=<address>;Port=5432;Database=<name>;Username=<user>;Password=<password>");
        if (string.IsNullOrWhiteSpace(ClusterId)) problems.Add("Cluster:ClusterId must not be empty");
        if (!IPAddress.TryParse(AdvertisedAddress, out _))
            problems.Add($"Cluster:AdvertisedAddress must be an IP address of this machine (got '{AdvertisedAddress}')");
        foreach (var (name, port) in new[] { ("SiloPort", SiloPort), ("GatewayPort", GatewayPort) })
            if (port is < 0 or > 65535) problems.Add($"Cluster:{name} must be 0 (any free port) or 1 to 65535 (got {port})");
        return problems;
    }

    /// <summary>The clustering setting without a password, for messages and logs.</summary>
    public string Redacted => System.Text.RegularExpressions.Regex.Replace(Clustering, "(?i)(password|pwd)=[^;,]*", "$1=***");

    private static bool ValidConnectionString(string connection)
    {
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(connection);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new InvalidOperationException($"Invalid cluster settings: {string.Join("; ", problems)}.");
    }

    /// <summary>A port the operating system has free now on loopback, for a silo that was given 0.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
