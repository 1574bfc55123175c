using System.Collections.Concurrent;
using System.Globalization;
using Flipkart.DevHost;
using Flipkart.DevHost.Output;
using Flipkart.DevHost.Sidecars;
using Flipkart.LoadTest.Metrics;

namespace Flipkart.LoadTest.Targets;

/// <summary>How the local run is started for a load test; every deviation from the defaults is reported.</summary>
public sealed record LocalTargetOptions
{
    public string? RepositoryRoot { get; init; }
    public string Profile { get; init; } = "local";
    public string Configuration { get; init; } = "Release";
    public bool SkipBuild { get; init; }
    public int Replicas { get; init; } = 1;

    /// <summary>Kafka profiles: partitions of every topic (DevHost's --kafka-partitions).</summary>
    public int KafkaPartitions { get; init; } = 1;

    /// <summary>The gateway's ASP.NET per-IP and per-user permits per window for the run (the defaults would throttle one load generator).</summary>
    public int GatewayPermitLimit { get; init; } = 1_000_000;

    /// <summary>The gateway sidecar's rate-limit middleware for the run.</summary>
    public int SidecarRateLimit { get; init; } = 100_000;

    /// <summary>Services' minimum log level (Serilog) for the run; null keeps appsettings.</summary>
    public string? ServiceLogLevel { get; init; } = "Warning";

    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromMinutes(4);

    /// <summary>Extra environment per app-id (e.g. a chaos scenario's slow payment provider); reported as overrides.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> AppEnvironment { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>Products the catalog seeds itself with on an empty store; null keeps the service's default (10,000).</summary>
    public int? CatalogProducts { get; init; }

    /// <summary>Skip the services' build when a previous run of this tool built them after their last source change.</summary>
    public bool SkipBuildWhenUpToDate { get; init; } = true;
}

/// <summary>
/// What the load is aimed at: the gateway of a local run this tool starts through DevHost's <see cref="LocalRun"/>
/// (and stops at the end), or the URL of a system already running elsewhere.
/// </summary>
public sealed class SystemUnderTest : IAsyncDisposable
{
    private readonly LocalRun? _run;
    private readonly ProfileOverlay? _overlay;

    private SystemUnderTest(Uri gateway, LocalRun? run, ProfileOverlay? overlay, IReadOnlyList<string> overrides, string description)
    {
        GatewayUrl = gateway;
        _run = run;
        _overlay = overlay;
        Overrides = overrides;
        Description = description;
    }

    public Uri GatewayUrl { get; }

    public string Description { get; }

    /// <summary>Configuration this run changed from the defaults (say so in every report).</summary>
    public IReadOnlyList<string> Overrides { get; }

    public bool IsLocal => _run is not null;

    /// <summary>From the start call until healthy and seeded, build included; null for a remote target.</summary>
    public TimeSpan? StartupTime => _run?.StartupTime;

    public LocalRun? LocalRun => _run;

    /// <summary>The local run's component profile folder (null for a remote target).</summary>
    public string? ProfileFolder { get; private init; }

    /// <summary>Service processes to watch (empty for a remote target), plus this process, which hosts the embedded sidecars.</summary>
    public IReadOnlyList<MonitoredProcess> Processes() =>
        _run is null
            ? []
            : [.. _run.Replicas.Select(r => new MonitoredProcess(r.Name, r.ProcessId)), new MonitoredProcess("loadtest+sidecars", Environment.ProcessId)];

    public static SystemUnderTest Remote(Uri gateway) =>
        new(gateway, null, null, ["none: a running system is used as it is configured"], $"running system at {gateway}");

    public static async Task<SystemUnderTest> StartLocalAsync(LocalTargetOptions options, IRunOutput output, CancellationToken cancellationToken)
    {
        var root = LocalRun.FindRepositoryRoot(options.RepositoryRoot);
        var profileFolder = Path.Combine(root, "components", options.Profile);
        if (!Directory.Exists(profileFolder))
        {
            throw new DevHostException($"Component profile '{options.Profile}' not found at {profileFolder}.");
        }
        var overlay = ProfileOverlay.Create(profileFolder, options.Profile, options.SidecarRateLimit);
        var overrides = new List<string> { SidecarHostGen0Note(Environment.GetEnvironmentVariable(Gen0SizeVariable)) };
        if (options.KafkaPartitions > 1)
        {
            overrides.Add($"Kafka topics → {options.KafkaPartitions} partitions (broker num.partitions; default 1): daprd's outbox relay moves one hand-off per partition per second");
        }
        if (overlay.Change is not null)
        {
            overrides.Add(overlay.Change);
        }

        var limit = options.GatewayPermitLimit.ToString(CultureInfo.InvariantCulture);
        var gatewayEnv = new Dictionary<string, string>
        {
            ["GatewayOptions__AnonymousPermitLimit"] = limit,
            ["GatewayOptions__UserPermitLimit"] = limit,
        };
        overrides.Add($"gateway GatewayOptions:AnonymousPermitLimit and UserPermitLimit → {limit} per window (environment of this run; defaults 100 and 300 per 10 s)");
        var everyApp = new Dictionary<string, string>();
        if (options.ServiceLogLevel is { } level)
        {
            everyApp["Serilog__MinimumLevel__Default"] = level;
            everyApp["Logging__LogLevel__Default"] = level;
            overrides.Add($"services' minimum log level → {level} (per-request Information logs would be part of what is measured)");
        }

        var environment = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["*"] = everyApp,
            [LocalRun.GatewayAppId] = gatewayEnv,
        };
        if (options.CatalogProducts is { } catalogProducts)
        {
            var count = catalogProducts.ToString(CultureInfo.InvariantCulture);
            environment["catalog"] = new Dictionary<string, string> { ["CatalogOptions__SeedProductCount"] = count };
            overrides.Add($"catalog CatalogOptions:SeedProductCount → {count} (default 10,000): seeding is most of the start-up wait and this scenario does not search the catalog");
        }
        foreach (var (appId, settings) in options.AppEnvironment)
        {
            var merged = new Dictionary<string, string>(environment.GetValueOrDefault(appId) ?? new Dictionary<string, string>());
            foreach (var (key, value) in settings)
            {
                merged[key] = value;
                overrides.Add($"{appId} {key.Replace("__", ":", StringComparison.Ordinal)} → {value} (environment of this run)");
            }
            environment[appId] = merged;
        }

        // A build with nothing to do still costs MSBuild's evaluation of seven projects (tens of seconds on a busy
        // machine); skip it when this tool built them after the last change of anything they are built from.
        var stamp = BuildStamp.For(root, options.Configuration, ExcludedApps);
        var skipBuild = options.SkipBuild || (options.SkipBuildWhenUpToDate && stamp.IsUpToDate());
        if (skipBuild && !options.SkipBuild)
        {
            output.Progress($"services unchanged since this tool built them ({stamp.Describe()}); not building");
        }
        var buildStartedAt = DateTime.UtcNow;

        LocalRun run;
        try
        {
            // LocalRun itself starts again on fresh ports when one it picked was taken meanwhile (DynamicPorts).
            run = await LocalRun.StartAsync(new LocalRunOptions
            {
                RepositoryRoot = root,
                Profile = options.Profile,
                Configuration = options.Configuration,
                SkipBuild = skipBuild,
                Replicas = options.Replicas,
                KafkaPartitions = options.KafkaPartitions,
                GatewayPort = 0,
                DynamicPorts = true,
                ExcludedApps = ExcludedApps,
                Output = output,
                StartupTimeout = options.StartupTimeout,
                AppEnvironment = environment,
                // The embedded sidecars load the overlay: the same profile with the rate limit raised.
                SidecarFactory = (context, ct) => EmbeddedSidecarCluster.CreateAsync(context with { ResourcesPaths = [overlay.ResourcesPath] }, ct),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            overlay.Dispose();
            throw;
        }

        if (!skipBuild)
        {
            stamp.MarkBuilt(buildStartedAt);
        }
        var description = $"local run (profile {options.Profile}, {options.Configuration} build, {run.Replicas.Count} service process(es), embedded sidecars in the load tool's process)";
        return new SystemUnderTest(run.GatewayUrl, run, overlay, overrides, description) { ProfileFolder = profileFolder };
    }

    internal const string Gen0SizeVariable = "DOTNET_GCgen0size";

    /// <summary>
    /// This process hosts the embedded sidecars, so its GC pauses are in every latency measured. The runtime reads
    /// gen0's budget from the environment only; the launch profile sets the services' 4 MB (dapr.yaml). Without it
    /// the budget is sized from the L3 cache, and each collection of this large heap paused it for 40-60 ms.
    /// </summary>
    internal static string SidecarHostGen0Note(string? gen0Size) => gen0Size is { Length: > 0 }
        ? $"this process (load generator and embedded sidecars): {Gen0SizeVariable}={gen0Size}, as the services have it (the launch profile sets it)"
        : $"this process (load generator and embedded sidecars): {Gen0SizeVariable} unset (started without its launch profile), so gen0's budget follows the L3 cache and its GC pauses (40-60 ms measured) show in the latencies";

    /// <summary>The shop's backend is what is measured; the storefront would only take a share of the cores.</summary>
    private static readonly string[] ExcludedApps = [LocalRun.StorefrontAppId];

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.DisposeAsync().ConfigureAwait(false);
        }
        _overlay?.Dispose();
    }
}

/// <summary>Keeps DevHost's progress and the services' last lines: progress goes to the console, logs only on failure.</summary>
public sealed class CapturingRunOutput(Action<string> progress, int capacity = 5000) : IRunOutput
{
    /// <summary>Also print every service line (serve mode, where nothing is measured).</summary>
    public Action<string>? Echo { get; set; }

    private readonly ConcurrentQueue<string> _lines = new();

    public void Progress(string message)
    {
        progress(message);
        Add($"devhost | {message}");
    }

    public void AppLog(string source, string line, bool isError)
    {
        var rendered = $"{source} | {LogLineFormatter.Render(line)}";
        Echo?.Invoke(rendered);
        Add(rendered);
    }

    public string Tail(int lines = 60) => string.Join(Environment.NewLine, _lines.TakeLast(lines));

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }
}
