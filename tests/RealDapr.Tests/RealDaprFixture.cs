using System.Reflection;
using Flipkart.DevHost;

namespace Flipkart.RealDaprTests;

/// <summary>
/// One real-Dapr run per profile: backing stores, placement, scheduler and a daprd per app in containers, the
/// services as processes through DevHost's library. Without Docker it records why, and every test skips with that.
/// </summary>
public abstract class RealDaprFixture(string profile) : IAsyncLifetime
{
    public static readonly string RepositoryRoot = Flipkart.Testing.Repository.Root;

    public string Profile => profile;

    public LocalRun? Run { get; private set; }

    public string? SkipReason { get; private set; }

    public LocalRun RequireRun()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
        return Run!;
    }

    public async ValueTask InitializeAsync()
    {
        SkipReason = await DockerEngine.WhyUnavailableAsync();
        if (SkipReason is not null)
        {
            return;
        }

        Run = await LocalRun.StartAsync(new LocalRunOptions
        {
            RepositoryRoot = RepositoryRoot,
            Profile = profile,
            GatewayPort = 0,
            DynamicPorts = true,
            StartupTimeout = TimeSpan.FromMinutes(5),
            SidecarFactory = DaprdContainerCluster.CreateAsync,
        }, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Run is not null)
        {
            await Run.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}

public sealed class LocalProfile() : RealDaprFixture("local");

public sealed class RabbitMqMySqlProfile() : RealDaprFixture("rabbitmq-mysql");

public sealed class KafkaCassandraProfile() : RealDaprFixture("kafka-cassandra");

/// <summary>Containers are heavy: one profile's run at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealDaprCollection
{
    public const string Name = "Real Dapr";
}
