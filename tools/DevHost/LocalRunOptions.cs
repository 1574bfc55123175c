using Flipkart.DevHost.Output;
using Flipkart.DevHost.RunFile;

namespace Flipkart.DevHost;

/// <summary>How to start the local system. The defaults are the documented local run: profile <c>local</c>, the run file's ports.</summary>
public sealed record LocalRunOptions
{
    /// <summary>The repository root (holding <c>dapr.yaml</c>); null = search upwards from the working directory, then from DevHost's own location.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>The run file, relative to the repository root.</summary>
    public string RunFile { get; init; } = "dapr.yaml";

    /// <summary>The component profile: a folder under <c>components/</c>.</summary>
    public string Profile { get; init; } = AppDefinition.DefaultProfile;

    /// <summary>The gateway's public port: null = the run file's (8080), 0 = any free port.</summary>
    public int? GatewayPort { get; init; }

    /// <summary>Free ports for every app and sidecar instead of the run file's fixed ones (tests, parallel runs).</summary>
    public bool DynamicPorts { get; init; }

    /// <summary>Processes (and sidecars) per app-id. The gateway and the storefront stay single: they own the public ports.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>Sidecar fault injection for pub/sub (e.g. <c>duplicate</c>, <c>reorder</c>), off when empty.</summary>
    public IReadOnlyList<string> Faults { get; init; } = [];

    /// <summary>
    /// Profiles on Kafka: the partitions of every topic (the broker's <c>num.partitions</c>; Kafka's default 1). daprd's
    /// outbox relay moves one hand-off per partition per second, so a topic created with 1 partition caps a store's
    /// outbox at one event per second (docs/profiles.md); production topics are created with more.
    /// </summary>
    public int KafkaPartitions { get; init; } = 1;

    /// <summary>Build configuration of the services.</summary>
    public string Configuration { get; init; } = "Debug";

    /// <summary>Skip <c>dotnet build</c> and use what is already built (the load tool after its own build).</summary>
    public bool SkipBuild { get; init; }

    /// <summary>Only these app-ids (null = every app in the run file whose project exists).</summary>
    public IReadOnlyCollection<string>? Apps { get; init; }

    /// <summary>App-ids left out even though the run file lists them, e.g. the storefront for backend-only tests and load runs.</summary>
    public IReadOnlyCollection<string> ExcludedApps { get; init; } = [];

    /// <summary>Extra environment per app-id (<c>*</c> = every app), applied last, e.g. a small rate limit for a test.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> AppEnvironment { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>How long all services together may take to become healthy and seeded.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Start the Aspire dashboard and send every service's and sidecar's traces, metrics and logs to it.</summary>
    public bool Dashboard { get; init; }

    /// <summary>
    /// Everything the services log at Debug and above, each app's start-up lines and the dashboard's own output;
    /// otherwise framework start-up chatter is left out (services still log their own Information lines).
    /// </summary>
    public bool Verbose { get; init; }

    /// <summary>Where progress and service logs go.</summary>
    public IRunOutput Output { get; init; } = NullRunOutput.Instance;

    /// <summary>Creates the sidecars; null = the embedded sidecar. Tests of DevHost itself can substitute one.</summary>
    public Func<LocalRunContext, CancellationToken, Task<Sidecars.ISidecarCluster>>? SidecarFactory { get; init; }
}

/// <summary>What a sidecar factory gets to work with.</summary>
/// <param name="ResourcesPaths">The profile's resources folders (components, configurations, resiliency, subscriptions).</param>
public sealed record LocalRunContext(string RepositoryRoot, string Profile, IReadOnlyList<string> ResourcesPaths, IReadOnlyList<string> Faults, IRunOutput Output)
{
    /// <summary>Where the sidecars export their spans over OTLP/gRPC (the run's dashboard); null = as the Configurations say.</summary>
    public Uri? TraceExportEndpoint { get; init; }

    /// <summary>See <see cref="LocalRunOptions.KafkaPartitions"/>.</summary>
    public int KafkaPartitions { get; init; } = 1;
}
