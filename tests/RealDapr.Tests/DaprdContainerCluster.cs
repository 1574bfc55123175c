using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Flipkart.DevHost;
using Flipkart.DevHost.Sidecars;

namespace Flipkart.RealDaprTests;

/// <summary>
/// Real daprd behind DevHost's <see cref="ISidecarCluster"/>: the profile's backing stores, Dapr's placement and
/// scheduler, and one daprd container per app replica, all on the host network. DevHost then starts the services
/// as processes exactly as in the local run, so only the sidecar differs from the embedded runs.
/// </summary>
internal sealed class DaprdContainerCluster : ISidecarCluster
{
    /// <summary>The Dapr runtime version under test; override with REALDAPR_DAPR_VERSION.</summary>
    public static readonly string DaprVersion = Environment.GetEnvironmentVariable("REALDAPR_DAPR_VERSION") is { Length: > 0 } v ? v : "1.18.3";

    private const string ComponentsMount = "/components";
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly List<IContainer> _containers = [];
    private readonly LocalRunContext _context;
    private readonly int _placementPort;
    private readonly int _schedulerPort;

    private DaprdContainerCluster(LocalRunContext context, int placementPort, int schedulerPort)
    {
        _context = context;
        _placementPort = placementPort;
        _schedulerPort = schedulerPort;
    }

    public static async Task<ISidecarCluster> CreateAsync(LocalRunContext context, CancellationToken cancellationToken)
    {
        var cluster = new DaprdContainerCluster(context, FreePort(), FreePort());
        try
        {
            foreach (var store in BackingStores.For(context.Profile))
            {
                await cluster.StartContainerAsync(store, cancellationToken);
            }
            // Placement and scheduler need their own health and metrics ports: defaults (8080, 9090) collide on the host network.
            await cluster.StartContainerAsync(Control("placement",
                "./placement", "--port", Port(cluster._placementPort), "--healthz-port", Port(FreePort()), "--metrics-port", Port(FreePort())), cancellationToken);
            await cluster.StartContainerAsync(Control("scheduler",
                "./scheduler", "--port", Port(cluster._schedulerPort), "--healthz-port", Port(FreePort()), "--metrics-port", Port(FreePort()),
                "--etcd-data-dir", "/tmp/etcd", "--etcd-client-port", Port(FreePort())), cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async Task<IReadOnlyList<SidecarEndpoint>> StartAsync(IReadOnlyList<SidecarRequest> sidecars, CancellationToken cancellationToken)
    {
        var endpoints = new List<SidecarEndpoint>(sidecars.Count);
        foreach (var request in sidecars)
        {
            var httpPort = request.DaprHttpPort ?? FreePort();
            var grpcPort = request.DaprGrpcPort ?? FreePort();
            var arguments = new List<string>
            {
                "./daprd",
                "--app-id", request.AppId,
                "--app-port", Port(request.AppPort),
                "--app-channel-address", "127.0.0.1",
                "--dapr-listen-addresses", "127.0.0.1",
                "--dapr-http-port", Port(httpPort),
                "--dapr-grpc-port", Port(grpcPort),
                "--dapr-internal-grpc-port", Port(FreePort()),
                "--metrics-port", Port(FreePort()),
                "--resources-path", ContainerPath(_context.ResourcesPaths[0]),
                "--placement-host-address", $"127.0.0.1:{_placementPort}",
                "--scheduler-host-address", $"127.0.0.1:{_schedulerPort}",
                "--log-as-json",
            };
            if (request.ConfigFile is { Length: > 0 } config)
            {
                arguments.AddRange(["--config", ContainerPath(config)]);
            }

            var daprd = BackingStores.OnHostNetwork($"daprio/daprd:{DaprVersion}")
                // The profiles' relative secretsFile (../../components/<profile>/secrets.json) resolves from daprd's
                // working directory; from "/" it lands on the mounted components folder.
                .WithWorkingDirectory("/")
                .WithBindMount(Path.Combine(_context.RepositoryRoot, "components"), ComponentsMount, AccessMode.ReadOnly)
                .WithEntrypoint(arguments[0])
                .WithCommand([.. arguments.Skip(1)])
                .Build();
            await StartContainerAsync(daprd, cancellationToken);
            await WaitForOutboundHealthAsync(request.AppId, httpPort, cancellationToken);

            endpoints.Add(new SidecarEndpoint(httpPort, grpcPort, new Dictionary<string, string>
            {
                ["APP_ID"] = request.AppId,
                ["APP_PORT"] = Port(request.AppPort),
                ["DAPR_HTTP_PORT"] = Port(httpPort),
                ["DAPR_GRPC_PORT"] = Port(grpcPort),
            }));
        }
        return endpoints;
    }

    public async ValueTask DisposeAsync()
    {
        // daprd first, stores last, so no sidecar logs a storm of connection errors on the way down.
        for (var i = _containers.Count - 1; i >= 0; i--)
        {
            await _containers[i].DisposeAsync();
        }
        _containers.Clear();
    }

    private async Task StartContainerAsync(IContainer container, CancellationToken cancellationToken)
    {
        _containers.Add(container);
        await container.StartAsync(cancellationToken);
    }

    private static IContainer Control(string service, params string[] command) => BackingStores.OnHostNetwork($"daprio/{service}:{DaprVersion}")
        .WithEntrypoint(command[0])
        .WithCommand(command[1..])
        .Build();

    private static async Task WaitForOutboundHealthAsync(string appId, int httpPort, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await Probe.GetAsync($"http://127.0.0.1:{httpPort}/v1.0/healthz/outbound", cancellationToken);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new DevHostException($"daprd for {appId} did not report outbound health on port {httpPort} within 60 s.");
    }

    private string ContainerPath(string hostPath)
    {
        var components = Path.Combine(_context.RepositoryRoot, "components");
        var relative = Path.GetRelativePath(components, Path.GetFullPath(hostPath, _context.RepositoryRoot));
        if (relative.StartsWith("..", StringComparison.Ordinal))
        {
            throw new DevHostException($"{hostPath} is outside components/, which is all the daprd containers see.");
        }
        return $"{ComponentsMount}/{relative.Replace('\\', '/')}";
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
