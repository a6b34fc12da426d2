using Npgsql;

namespace PromptDfd.Cluster.Hosting;

/// <summary>
/// Cluster membership kept in PostgreSQL (Orleans' ADO.NET clustering): prepares the tables and statements the provider
/// reads (PostgresMembership.sql) before a silo or client joins, so a fresh, empty database needs no setup by hand.
/// </summary>
public static class PostgresMembership
{
    public const string Invariant = "Npgsql";

    /// <summary>Creates what is missing and replaces the statements; safe when other members do the same at once.</summary>
    public static void Prepare(string connectionString)
    {
        string script;
        using (Stream stream = typeof(PostgresMembership).Assembly.GetManifestResourceStream("PostgresMembership.sql")
                               ?? throw new InvalidOperationException("The PostgreSQL membership script is missing from the build."))
        using (var reader = new StreamReader(stream))
            script = reader.ReadToEnd();
        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var transaction = connection.BeginTransaction();
            // Members starting together would otherwise race to create the same tables.
            using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7164550215)", connection, transaction))
                lockCommand.ExecuteNonQuery();
            using (var command = new NpgsqlCommand(script, connection, transaction)) command.ExecuteNonQuery();
            transaction.Commit();
        }
        catch (Exception error) when (error is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException($"Could not prepare cluster membership in PostgreSQL: {error.Message}. Check " +
                "Cluster:Clustering (postgres:Host=...;Database=...;Username=...;Password=...), that the server is reachable and that " +
                "the user may create tables in that database (see docs/cluster.md).", error);
        }
    }
}
