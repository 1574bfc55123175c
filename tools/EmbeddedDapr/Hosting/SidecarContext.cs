using System.Collections.Concurrent;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Resources;
using Flipkart.EmbeddedDapr.Secrets;
using Flipkart.EmbeddedDapr.State;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Hosting;

/// <summary>What one sidecar sees: its app-id, the components scoped to it, its app channel and its ports.</summary>
public sealed class SidecarContext
{
    internal SidecarContext(EmbeddedDaprCluster cluster, SidecarOptions options, EmbeddedDaprSidecar sidecar)
    {
        Cluster = cluster;
        Options = options;
        Sidecar = sidecar;
        AppId = options.AppId;
        Components = cluster.Components.Where(c => c.IsVisibleTo(AppId)).ToArray();
        var visible = Components.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        StateStores = cluster.StateStores.Where(kv => visible.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        SecretStores = cluster.SecretStores.Where(kv => visible.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        Configuration = options.ConfigurationName is { } configName
            ? cluster.Resources.Configurations.FirstOrDefault(c => c.Name == configName)
                ?? throw new DaprResourceException($"configuration {configName} not found")
            : cluster.Resources.Configurations.Count == 1 ? cluster.Resources.Configurations[0] : null;
        Logger = cluster.LoggerFactory.CreateLogger($"Flipkart.EmbeddedDapr.{AppId}");
    }

    public string AppId { get; }
    public EmbeddedDaprCluster Cluster { get; }
    public SidecarOptions Options { get; }
    public EmbeddedDaprSidecar Sidecar { get; }
    public TimeProvider TimeProvider => Cluster.TimeProvider;
    public ILogger Logger { get; }

    /// <summary>Components visible to this app (scopes applied).</summary>
    public IReadOnlyList<ComponentDefinition> Components { get; }
    public IReadOnlyDictionary<string, StateStore> StateStores { get; }
    public IReadOnlyDictionary<string, ISecretStore> SecretStores { get; }

    /// <summary>The Configuration applied to this sidecar (tracing, features, pipelines, ACL), if any.</summary>
    public ConfigurationDefinition? Configuration { get; }

    /// <summary>The state store flagged <c>actorStateStore: "true"</c> visible to this app, if any.</summary>
    public StateStore? ActorStateStore => StateStores.Values.FirstOrDefault(s => s.IsActorStateStore);

    public int HttpPort => Sidecar.HttpPort;
    public int GrpcPort => Sidecar.GrpcPort;

    /// <summary>The current run's service provider (changes after a restart).</summary>
    public IServiceProvider Services => Sidecar.Services;

    /// <summary>Null when the sidecar runs without an app (no app port).</summary>
    public AppChannel? AppChannel => Sidecar.AppChannel;

    /// <summary>Completes once the app answered on its channel and every module's OnAppReadyAsync ran.</summary>
    public Task AppReady => Sidecar.AppReady;

    /// <summary>Values set through SetMetadata, reported as extended metadata.</summary>
    public ConcurrentDictionary<string, string> ExtendedMetadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Resolves a state store like daprd: FailedPrecondition when none is loaded, InvalidArgument when unknown.</summary>
    public StateStore GetStateStore(string name)
    {
        if (StateStores.Count == 0)
        {
            throw DaprErrors.StateStoreNotConfigured(name, AppId);
        }
        return StateStores.TryGetValue(name, out var store) ? store : throw DaprErrors.StateStoreNotFound(name, AppId);
    }

    public ISecretStore GetSecretStore(string name)
    {
        if (SecretStores.Count == 0)
        {
            throw DaprErrors.SecretStoresNotConfigured();
        }
        return SecretStores.TryGetValue(name, out var store) ? store : throw DaprErrors.SecretStoreNotFound(name);
    }
}
