using System.Diagnostics;
using Npgsql;
using PromptDfd.Cluster.Hosting;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Cluster;

/// <summary>The cluster with its membership in PostgreSQL instead of Redis: a worker process and `experiment --cluster postgres:…`.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class PostgresClusteringTests : IDisposable
{
    private readonly TinyRunEnvironment environment = new();

    [Fact]
    public async Task AWorkerAndAnExperimentFindEachOtherThroughAnEmptyPostgreSqlDatabase()
    {
        using var postgres = new LoopbackPostgres();
        using var cluster = new LoopbackCluster(environment.Root, membership: $"postgres:{postgres.Connection}");
        cluster.StartWorker("worker-pg");
        string table = Path.Combine(environment.Root, "results.md");
        Process experiment = cluster.Start(["experiment", .. cluster.Join, "--tasks", TinyRunEnvironment.TaskName, "--rows",
            "promptdfd", "--seeds", "1", "--steps", "4", "--root", environment.Root, "--out", table, "--threads", "1",
            "--set", "Student.Layers=1", "--set", "Student.Width=16", "--set", "Student.Heads=2", "--set", "Training.Schedule.SamplesPerStep=8",
            "--set", "Training.Distillation.BatchSize=8", "--set", "Training.Content.MaxNewTokens=8"]);
        await LoopbackCluster.Succeeded(experiment, experiment.StandardOutput.ReadToEndAsync(), experiment.StandardError.ReadToEndAsync());

        using (var store = new RunStore(environment.StorePath))
        {
            RunRecord run = Assert.Single(store.All());
            Assert.Equal((RunStatus.Completed, "worker-pg"), (run.Status, run.Worker));
        }
        // The members met in the database: the worker's silo (the experiment is a client, not a silo) is its one member.
        await using var connection = new NpgsqlConnection(postgres.Connection);
        await connection.OpenAsync();
        await using var members = new NpgsqlCommand(
            "SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @cluster", connection);
        members.Parameters.AddWithValue("cluster", cluster.ClusterId);
        Assert.Equal(1L, await members.ExecuteScalarAsync());
    }

    [Fact]
    public void AMalformedPostgreSqlConnectionIsRefusedWithTheFormToUse()
    {
        var settings = new ClusterSettings { Clustering = "postgres:Host=10.0.0.5;Port=notaport=;;Password=secret" };
        string problem = Assert.Single(settings.Problems());
        Assert.Contains("postgres:Host=<address>;Port=5432;Database=<name>", problem, StringComparison.Ordinal);
        Assert.Contains("Password=***", new ClusterSettings { Clustering = "bogus:Password=secret" }.Problems()[0], StringComparison.Ordinal);
    }

    public void Dispose() => environment.Dispose();
}
