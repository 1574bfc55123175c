using System.Globalization;
using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.State;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>
/// Wires the actor runtime into the embedded sidecar: one <see cref="ActorCluster"/> per cluster (placement,
/// timers, reminders), one <see cref="ActorSidecar"/> per sidecar run serving <c>/v1.0/actors/…</c>, the app's
/// <c>/dapr/config</c> read when the app is ready, and the replica withdrawn when the sidecar stops.
/// </summary>
public sealed class ActorsModule : ISidecarModule
{
    /// <summary>daprd's preview feature that allows <c>ttlInSeconds</c> on actor state.</summary>
    public const string ActorStateTtlFeature = "ActorStateTTL";

    /// <summary>The actor runtime of a cluster (tests shorten <see cref="ActorCluster.Options"/> through it).</summary>
    public static ActorCluster ClusterOf(EmbeddedDaprCluster cluster) =>
        cluster.Features.GetOrAdd(() => new ActorCluster(cluster.TimeProvider, new ActorClusterOptions(), cluster.LoggerFactory));

    public void ConfigureClusterServices(IServiceCollection services, EmbeddedDaprCluster cluster)
    {
        var actors = ClusterOf(cluster);
        // Factory registration so the cluster container disposes the runtime (its scheduler timer) with the cluster.
        services.AddSingleton(_ => actors);
    }

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar)
    {
        var ttl = sidecar.Configuration?.IsFeatureEnabled(ActorStateTtlFeature) ?? false;
        services.AddSingleton(provider => new ActorSidecar(
            ClusterOf(sidecar.Cluster),
            sidecar.AppId,
            () => StateStoreActorStore.For(sidecar, provider),
            ttl,
            sidecar.Logger));
        services.AddSingleton<IMetadataContributor, ActorMetadataContributor>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, SidecarContext sidecar) =>
        endpoints.ServiceProvider.GetRequiredService<ActorSidecar>().MapActorApi(endpoints);

    public async Task OnAppReadyAsync(SidecarContext sidecar, CancellationToken cancellationToken)
    {
        if (sidecar.AppChannel is { } channel)
        {
            var actors = sidecar.Services.GetRequiredService<ActorSidecar>();
            if (await actors.ConnectAppAsync(channel.Client, cancellationToken) is not null)
            {
                // Ends with the sidecar's run (the token is cancelled when it stops).
                _ = Task.Run(() => actors.MonitorAppHealthAsync(() => sidecar.AppChannel?.Client, cancellationToken), CancellationToken.None);
            }
        }
    }

    /// <summary>A dead pod's sidecar leaves placement at once; the health probe brings the replica back when its app answers.</summary>
    public void OnAppDown(SidecarContext sidecar) => sidecar.Services.GetService<ActorSidecar>()?.ReportAppDown();

    public Task OnSidecarStoppingAsync(SidecarContext sidecar)
    {
        sidecar.Services.GetService<ActorSidecar>()?.DisconnectApp();
        return Task.CompletedTask;
    }
}

/// <summary>GetMetadata's <c>actor_runtime</c> as daprd reports it for a sidecar with placement.</summary>
internal sealed class ActorMetadataContributor(ActorSidecar actors) : IMetadataContributor
{
    public void Contribute(GetMetadataResponse response, SidecarContext sidecar)
    {
        var runtime = new ActorRuntime
        {
            RuntimeStatus = ActorRuntime.Types.ActorRuntimeStatus.Running,
            HostReady = actors.Host is not null,
            Placement = "placement: connected",
        };
        foreach (var (type, count) in actors.ActiveActorCounts())
        {
            runtime.ActiveActors.Add(new ActiveActorsCount { Type = type, Count = count });
        }

        response.ActorRuntime = runtime;
#pragma warning disable CS0612 // daprd still fills the deprecated alias for older SDKs.
        response.ActiveActorsCount.Clear();
        response.ActiveActorsCount.Add(runtime.ActiveActors);
#pragma warning restore CS0612
    }
}

/// <summary>
/// The sidecar's <c>actorStateStore</c> component seen through <see cref="IActorStateStore"/>: reads and atomic
/// transactions on already-built keys, through the sidecar's component resiliency like daprd's actor state.
/// </summary>
internal sealed class StateStoreActorStore(StateStore store, IResiliencyPolicies resiliency) : IActorStateStore
{
    public static IActorStateStore? For(SidecarContext sidecar, IServiceProvider services) =>
        sidecar.ActorStateStore is { } store
            ? new StateStoreActorStore(store, services.GetService<IResiliencyPolicies>() ?? NoResiliency.Instance)
            : null;

    public string Name => store.Name;

    public bool SupportsETagAndTransactions => store.Behavior.SupportsEtag && store.Behavior.Transactional;

    // Reminder persistence and state share the store; equal adapters over one store count as the same store.
    public override bool Equals(object? obj) => obj is StateStoreActorStore other && ReferenceEquals(other.Store, store);

    public override int GetHashCode() => store.GetHashCode();

    private StateStore Store => store;

    public Task<ActorStateItem?> GetAsync(string key, CancellationToken cancellationToken) =>
        resiliency.ExecuteComponentCallAsync(store.Name, "get", _ =>
        {
            var read = store.Get(key);
            if (!read.Found)
            {
                return Task.FromResult<ActorStateItem?>(null);
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (read.ExpiresAt is { } expires)
            {
                metadata["ttlExpireTime"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            }

            return Task.FromResult<ActorStateItem?>(new ActorStateItem(read.Data!, read.ETag, metadata));
        }, cancellationToken);

    public Task ExecuteAsync(IReadOnlyList<ActorStateOperation> operations, CancellationToken cancellationToken) =>
        resiliency.ExecuteComponentCallAsync(store.Name, "transaction", _ =>
        {
            store.Multi(operations.Select(ToStateOperation).ToList());
            return Task.FromResult(true);
        }, cancellationToken);

    private static StateOperation ToStateOperation(ActorStateOperation op) => op.IsDelete
        ? new StateDelete(op.Key, op.ETag, StateConcurrency.Unspecified, op.Metadata)
        : new StateUpsert(op.Key, op.Value!, op.ETag, StateConcurrency.Unspecified, op.Metadata);

    private sealed class NoResiliency : IResiliencyPolicies
    {
        public static readonly NoResiliency Instance = new();

        public Task<HttpResponseMessage> ExecuteAppCallAsync(string targetAppId, Func<CancellationToken, Task<HttpResponseMessage>> call, CancellationToken cancellationToken) =>
            call(cancellationToken);

        public Task<T> ExecuteComponentCallAsync<T>(string componentName, string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
            call(cancellationToken);
    }
}
