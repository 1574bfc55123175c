using System.Reflection;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Resources;
using Flipkart.EmbeddedDapr.Secrets;
using Flipkart.EmbeddedDapr.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flipkart.EmbeddedDapr.Hosting;

/// <summary>
/// A set of embedded sidecars sharing one resources folder and one set of in-memory backends (state data,
/// and whatever modules register: broker, actor placement). Several sidecars with one app-id are replicas.
/// </summary>
public sealed class EmbeddedDaprCluster : IAsyncDisposable
{
    private readonly List<EmbeddedDaprSidecar> sidecars = [];
    private readonly Dictionary<string, int> roundRobin = new(StringComparer.Ordinal);
    private readonly ServiceProvider services;

    private EmbeddedDaprCluster(EmbeddedDaprClusterOptions options, DaprResources resources, IReadOnlyList<ISidecarModule> modules)
    {
        Options = options;
        Resources = resources;
        Modules = modules;
        TimeProvider = options.TimeProvider;
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var loaded = ComponentLoader.Load(resources, options, modules.SelectMany(m => m.ComponentTypes), LoggerFactory.CreateLogger("Flipkart.EmbeddedDapr"));
        Components = loaded.Components;
        StateStores = loaded.StateStores;
        SecretStores = loaded.SecretStores;

        var collection = new ServiceCollection();
        collection.AddSingleton(this);
        collection.AddSingleton(TimeProvider);
        collection.AddSingleton(LoggerFactory);
        collection.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        collection.AddSingleton(Features);
        foreach (var module in modules)
        {
            module.ConfigureClusterServices(collection, this);
        }
        services = collection.BuildServiceProvider();
    }

    public EmbeddedDaprClusterOptions Options { get; }

    /// <summary>Every loaded document (Components, Configurations, Resiliency, Subscription, …).</summary>
    public DaprResources Resources { get; }

    /// <summary>Components that initialised (metadata resolved), before per-app scoping.</summary>
    public IReadOnlyList<ComponentDefinition> Components { get; }

    /// <summary>State stores by component name; each owns the cluster-wide data of that name.</summary>
    public IReadOnlyDictionary<string, StateStore> StateStores { get; }

    public IReadOnlyDictionary<string, ISecretStore> SecretStores { get; }
    public IReadOnlyList<ISidecarModule> Modules { get; }
    public TimeProvider TimeProvider { get; }
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Cluster-wide services registered by modules in <see cref="ISidecarModule.ConfigureClusterServices"/>.</summary>
    public IServiceProvider Services => services;

    public ClusterFeatures Features { get; } = new();

    /// <summary>Raised after a sidecar listens / after it stopped (placement, consumer groups).</summary>
    public event Action<EmbeddedDaprSidecar>? SidecarStarted;
    public event Action<EmbeddedDaprSidecar>? SidecarStopped;

    /// <summary>Every sidecar ever started in this cluster (running or stopped).</summary>
    public IReadOnlyList<EmbeddedDaprSidecar> Sidecars
    {
        get
        {
            lock (sidecars)
            {
                return sidecars.ToArray();
            }
        }
    }

    /// <summary>Running replicas of <paramref name="appId"/>.</summary>
    public IReadOnlyList<EmbeddedDaprSidecar> GetSidecars(string appId) =>
        Sidecars.Where(s => s.IsRunning && string.Equals(s.AppId, appId, StringComparison.Ordinal)).ToArray();

    /// <summary>Loads resources, validates/initialises components like daprd (throws <see cref="DaprResourceException"/>).</summary>
    public static Task<EmbeddedDaprCluster> StartAsync(EmbeddedDaprClusterOptions options, CancellationToken cancellationToken = default)
    {
        var resources = DaprResources.Load(options.ResourcesPath, options.ResourceYaml);
        var modules = new List<ISidecarModule>(options.Modules);
        if (options.DiscoverModules)
        {
            modules.AddRange(DiscoverModules().Where(m => modules.All(existing => existing.GetType() != m.GetType())));
        }
        var ordered = modules.OrderBy(m => m.Order).ThenBy(m => m.GetType().FullName, StringComparer.Ordinal).ToArray();
        return Task.FromResult(new EmbeddedDaprCluster(options, resources, ordered));
    }

    /// <summary>Convenience: a cluster from inline YAML documents only.</summary>
    public static Task<EmbeddedDaprCluster> StartAsync(params string[] resourceYaml)
    {
        var options = new EmbeddedDaprClusterOptions();
        foreach (var yaml in resourceYaml)
        {
            options.ResourceYaml.Add(yaml);
        }
        return StartAsync(options);
    }

    /// <summary>Starts a sidecar (a replica when the app-id already runs) and returns once its ports listen.</summary>
    public async Task<EmbeddedDaprSidecar> StartSidecarAsync(SidecarOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AppId);
        var sidecar = new EmbeddedDaprSidecar(this, options);
        lock (sidecars)
        {
            sidecars.Add(sidecar);
        }
        await sidecar.StartAsync(cancellationToken);
        return sidecar;
    }

    /// <summary>
    /// Round-robin over running replicas (mDNS-like), skipping those whose app is reported down as long as another
    /// replica's app is not (Kubernetes drops a NotReady pod from the endpoints name resolution uses).
    /// </summary>
    public EmbeddedDaprSidecar? PickReplica(string appId)
    {
        var replicas = GetSidecars(appId);
        if (replicas.Count == 0)
        {
            return null;
        }
        if (replicas.Any(r => r.AppDown) && replicas.Any(r => !r.AppDown))
        {
            replicas = replicas.Where(r => !r.AppDown).ToArray();
        }
        lock (roundRobin)
        {
            var next = roundRobin.GetValueOrDefault(appId);
            roundRobin[appId] = next + 1;
            return replicas[next % replicas.Count];
        }
    }

    internal void RaiseStarted(EmbeddedDaprSidecar sidecar) => SidecarStarted?.Invoke(sidecar);
    internal void RaiseStopped(EmbeddedDaprSidecar sidecar) => SidecarStopped?.Invoke(sidecar);

    public async ValueTask DisposeAsync()
    {
        foreach (var sidecar in Sidecars)
        {
            await sidecar.DisposeAsync();
        }
        await services.DisposeAsync();
    }

    private static IEnumerable<ISidecarModule> DiscoverModules() =>
        typeof(EmbeddedDaprCluster).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ISidecarModule).IsAssignableFrom(t)
                && t.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not null)
            .Select(t => (ISidecarModule)Activator.CreateInstance(t)!);
}
