using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Flipkart.DevHost.Output;
using Flipkart.DevHost.Processes;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Flipkart.Deployment.Tests.Starting;

/// <summary>Every class that starts an overlay belongs here: one overlay's processes at a time on this 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OverlayStartCollection
{
    public const string Name = "Overlays started from their manifests";
}

/// <summary>One Deployment of the overlay as it ran: where it listens, the environment it got, and how its start went.</summary>
public sealed record StartedApp(string Name, int Port, IReadOnlyDictionary<string, string> Environment, ServiceProcess Process)
{
    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>Null once <c>/readyz</c> answered 200; otherwise why it did not (exit code, last log lines).</summary>
    public string? Failure { get; set; }
}

/// <summary>
/// Starts every Deployment of an overlay the way the cluster would: the overlay composed (its values file substituted,
/// the identity provider pointed at an in-test OIDC authority), each app container's environment rendered exactly
/// (secrets, injector variables), the service started as a Production process with that environment beside an
/// embedded sidecar configured from the pod's Dapr annotations and loaded with the overlay's Dapr resources.
/// The only changes: free loopback ports instead of the container ports, in-cluster Service names resolved to those
/// ports (cluster DNS), cloud secret stores replaced by a file store under the same name, and the OIDC provider's
/// certificate as the gateway's trust store (<c>SSL_CERT_FILE</c>).
/// </summary>
public abstract class OverlayShop(string overlay) : IAsyncLifetime
{
    /// <summary>The audience the test identity provider issues tokens for, put into the values file like a team would.</summary>
    public const string Audience = "api://flipkart-shop-test";

    private readonly ConcurrentQueue<string> _log = new();
    private readonly Dictionary<string, StartedApp> _apps = [];
    private string? _resources;

    public string Overlay => overlay;

    public ClusterSecrets Secrets { get; } = new();

    public TestIdentityProvider Identity { get; private set; } = null!;

    public ComposedOverlay Composed { get; private set; } = null!;

    public EmbeddedDaprCluster Cluster { get; private set; } = null!;

    /// <summary>Why the overlay could not be started at all; the tests report it.</summary>
    public string? SetupFailure { get; private set; }

    public StartedApp App(string deployment) => _apps[deployment];

    public string Tail(string? source = null, int lines = 60) =>
        string.Join(Environment.NewLine, _log.Where(l => source is null || l.StartsWith(source + " |", StringComparison.Ordinal)).TakeLast(lines));

    /// <summary>The deployments of an overlay, for theory data.</summary>
    public static TheoryData<string> Deployments(string overlay) => [.. ComposedOverlay.Load(overlay).Deployments.Select(d => d.Metadata.Name).Order()];

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Identity = await TestIdentityProvider.StartAsync(Audience, cancellationToken);
        try
        {
            Composed = ComposedOverlay.Compose(overlay, new Dictionary<string, string>
            {
                ["oidcAuthority"] = Identity.Authority.ToString(),
                ["oidcIssuer"] = Identity.Issuer,
                ["oidcAudience"] = Audience,
            });
            await StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            SetupFailure = $"{e.GetType().Name}: {e.Message}{Environment.NewLine}{Tail()}";
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var deployments = Composed.Deployments;
        var ns = deployments.Select(d => d.Metadata.NamespaceProperty).Distinct().Single();
        // daprd reads its namespace from NAMESPACE (the injector sets it); the embedded sidecar reads the process's.
        Environment.SetEnvironmentVariable("NAMESPACE", ns);

        _resources = Directory.CreateTempSubdirectory($"overlay-{overlay}-").FullName;
        PodEnvironment.WriteDaprResources(Composed.Manifests, _resources);
        PodEnvironment.SubstituteCloudSecretStores(Composed.Manifests, _resources);
        Cluster = await EmbeddedDaprCluster.StartAsync(new EmbeddedDaprClusterOptions
        {
            ResourcesPath = _resources,
            WorkingDirectory = _resources,
            LoggerFactory = LoggerFactory.Create(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error)
                .AddProvider(new LogProvider(_log))),
        }, cancellationToken);

        var projects = deployments.ToDictionary(d => d.Metadata.Name, d => ProjectOf(d));
        var dlls = await ServiceBuilder.BuildAsync(Repository.Root, [.. projects.Values.Distinct()], "Debug", new Output(_log), cancellationToken);
        // Below the kernel's ephemeral range (DevHost's allocator): a port the OS hands out for "any port" is released
        // before the app binds it, and an outgoing connection of the system tests running beside may take it meanwhile.
        var allocator = new PortAllocator();
        var ports = deployments.ToDictionary(d => d.Metadata.Name, _ => allocator.Free());

        foreach (var deployment in deployments)
        {
            var name = deployment.Metadata.Name;
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            var env = PodEnvironment.Render(Composed, deployment, container, Secrets);
            ResolveForLoopback(env, ports[name], ports);
            IDictionary<string, string> annotations = deployment.Spec.Template.Metadata.Annotations ?? new Dictionary<string, string>();
            if (annotations.TryGetValue("dapr.io/enabled", out var enabled) && enabled == "true")
            {
                var sidecar = await Cluster.StartSidecarAsync(new SidecarOptions
                {
                    AppId = annotations["dapr.io/app-id"],
                    AppPort = ports[name],
                    ConfigurationName = annotations.TryGetValue("dapr.io/config", out var config) ? config : null,
                    // daprd reads both tokens from key `token` of the secrets the annotations name (the injector's contract).
                    DaprApiToken = annotations.TryGetValue("dapr.io/api-token-secret", out var api) ? Secrets.Get(api, "token") : null,
                    AppApiToken = annotations.TryGetValue("dapr.io/app-token-secret", out var app) ? Secrets.Get(app, "token") : null,
                    AppMaxConcurrency = annotations.TryGetValue("dapr.io/app-max-concurrency", out var max) ? int.Parse(max, CultureInfo.InvariantCulture) : null,
                }, cancellationToken);
                PodEnvironment.AddInjectedDaprVariables(env, sidecar.HttpPort, sidecar.GrpcPort, annotations.TryGetValue("dapr.io/app-protocol", out var protocol) ? protocol : null);
            }
            foreach (var (key, value) in Identity.TrustEnvironment)
            {
                env[key] = value;
            }
            var dll = dlls[projects[name]];
            var process = ServiceProcess.Start(name, dll, Path.GetDirectoryName(dll)!, env, new Output(_log));
            _apps[name] = new StartedApp(name, ports[name], env, process);
        }

        await Task.WhenAll(_apps.Values.Select(app => WaitUntilReadyAsync(app, cancellationToken)));
    }

    /// <summary>
    /// The container port becomes a free loopback port (the rest of <c>ASPNETCORE_URLS</c> stays), and a URL naming an
    /// in-cluster Service (<c>http://gateway:8080</c>, or its <c>.svc.cluster.local</c> form) reaches the pods it selects,
    /// as cluster DNS and the Service's port mapping would.
    /// </summary>
    private void ResolveForLoopback(Dictionary<string, string> env, int port, IReadOnlyDictionary<string, int> ports)
    {
        if (env.TryGetValue("ASPNETCORE_URLS", out var urls))
        {
            env["ASPNETCORE_URLS"] = Regex.Replace(urls, @":\d+(/|$)", $":{port}$1");
        }
        var services = Composed.All<V1Service>().ToList();
        foreach (var key in env.Keys.ToList())
        {
            env[key] = Regex.Replace(env[key], @"http://([a-z0-9-]+)(\.[a-z0-9-]+\.svc\.cluster\.local)?:(\d+)", match =>
            {
                var service = services.FirstOrDefault(s => s.Metadata.Name == match.Groups[1].Value
                    && s.Spec.Ports.Any(p => p.Port.ToString(CultureInfo.InvariantCulture) == match.Groups[3].Value));
                var target = service is null ? null : Composed.Deployments.FirstOrDefault(d =>
                    service.Spec.Selector.All(kv => d.Spec.Template.Metadata.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value));
                return target is null ? match.Value : $"http://127.0.0.1:{ports[target.Metadata.Name]}";
            });
        }
    }

    private async Task WaitUntilReadyAsync(StartedApp app, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = app.Url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        var last = "no answer yet";
        while (DateTime.UtcNow < deadline)
        {
            if (app.Process.Exited.IsCompleted)
            {
                app.Failure = $"{app.Name} exited with code {app.Process.Exited.Result} before it was ready:{Environment.NewLine}{app.Process.Tail()}";
                return;
            }
            try
            {
                using var response = await http.GetAsync("readyz", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    app.Failure = null;
                    return;
                }
                last = $"/readyz {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }
            await Task.Delay(250, cancellationToken);
        }
        app.Failure = $"{app.Name} was not ready after 3 minutes ({last}):{Environment.NewLine}{app.Process.Tail()}";
    }

    /// <summary>The project a Deployment runs: the image <c>…/flipkart-dapr/&lt;app&gt;[:tag|@digest]</c> is built from services/&lt;App&gt;.</summary>
    private static string ProjectOf(V1Deployment deployment)
    {
        var image = Assert.Single(deployment.Spec.Template.Spec.Containers).Image;
        var repository = image.Split('@')[0];
        var name = repository[(repository.LastIndexOf('/') + 1)..].Split(':')[0];
        var folder = Directory.GetDirectories(Repository.Path("services")).Single(d => string.Equals(Path.GetFileName(d), name, StringComparison.OrdinalIgnoreCase));
        return Directory.GetFiles(folder, "*.csproj").Single();
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_apps.Values.Select(a => a.Process.StopAsync(TimeSpan.FromSeconds(10))));
        foreach (var app in _apps.Values)
        {
            await app.Process.DisposeAsync();
        }
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
        await Identity.DisposeAsync();
        if (_resources is not null)
        {
            Directory.Delete(_resources, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    private sealed class Output(ConcurrentQueue<string> log) : IRunOutput
    {
        public void Progress(string message) => Add(log, $"build | {message}");

        public void AppLog(string source, string line, bool isError) => Add(log, $"{source} | {LogLineFormatter.Render(line)}");
    }

    private sealed class LogProvider(ConcurrentQueue<string> log) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                Add(log, $"sidecar | {logLevel} {category}: {formatter(state, exception)}");
        }
    }

    private static void Add(ConcurrentQueue<string> log, string line)
    {
        log.Enqueue(line);
        while (log.Count > 4000 && log.TryDequeue(out _))
        {
        }
    }
}

public sealed class AksShop() : OverlayShop("aks");

public sealed class EksShop() : OverlayShop("eks");
