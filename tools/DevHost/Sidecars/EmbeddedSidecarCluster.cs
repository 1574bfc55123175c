using Flipkart.DevHost.Output;
using Flipkart.EmbeddedDapr.Faults;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.EmbeddedDapr.Resources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Flipkart.DevHost.Sidecars;

/// <summary>
/// The embedded, in-memory Dapr sidecars (tools/EmbeddedDapr) behind <see cref="ISidecarCluster"/>: one cluster
/// loaded from the profile's resources folder, one sidecar per app replica on loopback ports, all sharing the
/// cluster's in-memory stores and broker the way apps share one Redis.
/// </summary>
public sealed class EmbeddedSidecarCluster : ISidecarCluster
{
    private readonly EmbeddedDaprCluster _cluster;
    private readonly LocalRunContext _context;

    // One app token per run: each sidecar presents it to its app as dapr-api-token (APP_API_TOKEN), and the apps
    // refuse calls without it, as with daprd's dapr.io/app-token-secret. The public apps (gateway, storefront) have none.
    private readonly string _appApiToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private EmbeddedSidecarCluster(EmbeddedDaprCluster cluster, LocalRunContext context)
    {
        _cluster = cluster;
        _context = context;
    }

    /// <summary>The cluster underneath, for tests that inspect state or broker counters directly.</summary>
    public EmbeddedDaprCluster Cluster => _cluster;

    public static async Task<ISidecarCluster> CreateAsync(LocalRunContext context, CancellationToken cancellationToken)
    {
        if (context.ResourcesPaths.Count != 1)
        {
            throw new DevHostException($"The embedded sidecar loads exactly one resources folder; the run file names {context.ResourcesPaths.Count}.");
        }

        var options = new EmbeddedDaprClusterOptions
        {
            ResourcesPath = context.ResourcesPaths[0],
            WorkingDirectory = context.ResourcesPaths[0],
            TraceExportEndpoint = context.TraceExportEndpoint,
            LoggerFactory = LoggerFactory.Create(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                // Kestrel warns that the gRPC port speaks HTTP/2 without TLS: that is daprd's h2c contract, not a problem.
                .AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error)
                .AddProvider(new RunOutputLoggerProvider(context.Output))),
        };

        EmbeddedDaprCluster cluster;
        try
        {
            cluster = await EmbeddedDaprCluster.StartAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (DaprResourceException e)
        {
            throw new DevHostException($"components/{context.Profile} cannot be loaded: {e.Message}", e)
            {
                // daprd's "couldn't find state store state.cassandra/v1": a type the embedded sidecar lacks.
                ProfileNotSupported = e.Message.Contains("couldn't find", StringComparison.Ordinal),
            };
        }

        if (context.KafkaPartitions > 1)
        {
            cluster.Services.GetRequiredService<PubSubBroker>().DefaultPartitions = context.KafkaPartitions;
            context.Output.Progress($"Kafka topics have {context.KafkaPartitions} partitions (--kafka-partitions)");
        }

        if (context.Faults.Count > 0)
        {
            try
            {
                // Per run, on this cluster's broker and injector (not the process-wide EMBEDDED_DAPR_*_FAULTS), so runs in
                // one test process stay independent.
                var pubsub = context.Faults.Where(f => !IsInvocationFault(f)).ToList();
                if (pubsub.Count > 0)
                {
                    cluster.Services.GetRequiredService<PubSubBroker>().Faults.Set(ParseFaults(pubsub));
                }
                foreach (var fault in context.Faults.Where(IsInvocationFault))
                {
                    InvocationFaultsModule.Injector(cluster).Set(ParseInvocationFault(fault));
                }
            }
            catch
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            context.Output.Progress($"pub/sub fault injection on: {string.Join(", ", context.Faults)}");
        }
        return new EmbeddedSidecarCluster(cluster, context);
    }

    public async Task<IReadOnlyList<SidecarEndpoint>> StartAsync(IReadOnlyList<SidecarRequest> sidecars, CancellationToken cancellationToken)
    {
        // In parallel: each sidecar is a small web host of its own, and they do not depend on each other.
        return await Task.WhenAll(sidecars.Select(request => StartOneAsync(request, cancellationToken))).ConfigureAwait(false);
    }

    private async Task<SidecarEndpoint> StartOneAsync(SidecarRequest request, CancellationToken cancellationToken)
    {
        {
            EmbeddedDaprSidecar sidecar;
            try
            {
                sidecar = await _cluster.StartSidecarAsync(new SidecarOptions
                {
                    AppId = request.AppId,
                    AppPort = request.AppPort,
                    HttpPort = request.DaprHttpPort ?? 0,
                    GrpcPort = request.DaprGrpcPort ?? 0,
                    ConfigurationName = ConfigurationName(request.ConfigFile),
                    AppApiToken = LocalRun.IsPublicApp(request.AppId) ? null : _appApiToken,
                    // daprd's OTEL_SERVICE_NAME: in the dashboard each app and its sidecar are two resources, "ordering" and
                    // "ordering-dapr", rather than two anonymous instances of one.
                    TraceServiceName = $"{request.AppId}-dapr",
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new DevHostException($"The sidecar of {request.AppId} could not listen on its ports (HTTP {request.DaprHttpPort}, gRPC {request.DaprGrpcPort}): {e.Message}", e);
            }
            catch (DaprResourceException e)
            {
                throw new DevHostException($"The sidecar of {request.AppId} refused its configuration: {e.Message}", e);
            }
            return new SidecarEndpoint(sidecar.HttpPort, sidecar.GrpcPort, sidecar.Environment);
        }
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    /// <summary>
    /// DevHost's <c>--fault</c> values in the sidecar's <c>name=value</c> form; a bare name gets a default:
    /// <c>duplicate</c> = one extra copy of every delivery, <c>reorder</c> = shuffle in windows of 8,
    /// <c>delay</c> = 50ms before each delivery, <c>failDeliveries</c> = the first 3 fail, <c>failPublishes</c> = the next one fails.
    /// </summary>
    internal static PubSubFaults ParseFaults(IReadOnlyList<string> faults)
    {
        static string Expand(string fault) => fault.Contains('=') ? fault : fault.ToLowerInvariant() switch
        {
            "duplicate" => "duplicate=1",
            "reorder" => "reorder=8",
            "delay" => "delay=50ms",
            "faildeliveries" or "fail-deliveries" => "failDeliveries=3",
            "failpublishes" or "fail-publishes" => "failPublishes=1",
            _ => throw new DevHostException($"--fault: unknown fault '{fault}' (known: duplicate, reorder, delay, failDeliveries, failPublishes, or name=value pairs).")
        };

        try
        {
            return PubSubFaults.Parse(string.Join(',', faults.Select(Expand)));
        }
        catch (FormatException e)
        {
            throw new DevHostException($"--fault: {e.Message}", e);
        }
    }

    private static bool IsInvocationFault(string fault) => fault.StartsWith("invoke:", StringComparison.OrdinalIgnoreCase);

    /// <summary>DevHost's <c>--fault invoke:loseEvery=5,target=ordering</c>: the callee runs, its reply is lost.</summary>
    internal static InvocationFaults ParseInvocationFault(string fault)
    {
        try
        {
            return InvocationFaults.Parse(fault["invoke:".Length..]);
        }
        catch (FormatException e)
        {
            throw new DevHostException($"--fault {fault}: {e.Message}", e);
        }
    }

    /// <summary>The <c>metadata.name</c> of the Configuration file the run file gives an app (the sidecar selects Configurations by name).</summary>
    internal static string? ConfigurationName(string? configFile)
    {
        if (configFile is null)
        {
            return null;
        }
        if (!File.Exists(configFile))
        {
            throw new DevHostException($"Configuration file not found: {configFile}");
        }

        var yaml = new YamlStream();
        using (var reader = File.OpenText(configFile))
        {
            yaml.Load(reader);
        }
        foreach (var document in yaml.Documents)
        {
            if (document.RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("kind"), out var kind) && kind.ToString() == "Configuration"
                && root.Children.TryGetValue(new YamlScalarNode("metadata"), out var metadata) && metadata is YamlMappingNode meta
                && meta.Children.TryGetValue(new YamlScalarNode("name"), out var name))
            {
                return name.ToString();
            }
        }
        throw new DevHostException($"{configFile} holds no Configuration with a metadata.name.");
    }

    /// <summary>Sidecar warnings and errors go to the run's output under the source <c>dapr</c>.</summary>
    private sealed class RunOutputLoggerProvider(IRunOutput output) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new RunOutputLogger(output);

        public void Dispose()
        {
        }

        private sealed class RunOutputLogger(IRunOutput output) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }
                var message = formatter(state, exception);
                output.AppLog("dapr", exception is null ? message : $"{message} ({exception.GetType().Name}: {exception.Message})", logLevel >= LogLevel.Error);
            }
        }
    }
}
