using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dapr.Client;
using Flipkart.EmbeddedDapr.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Time.Testing;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>What a test needs from the sidecar under test.</summary>
public sealed record SutSpec
{
    public string AppId { get; init; } = ConformanceResources.AppId;
    public string[] Resources { get; init; } = ConformanceResources.Default;
    public string? DaprApiToken { get; init; }
    public string? AppApiToken { get; init; }

    /// <summary>Base URL of the app behind the sidecar (a Kestrel test app on a dynamic port).</summary>
    public Uri? AppUrl { get; init; }

    /// <summary>True when the test relies on embedded-only controls (fake clock, several sidecars, handler apps).</summary>
    public string? EmbeddedOnlyReason { get; init; }

    public bool IsDefault => Resources == ConformanceResources.Default && DaprApiToken is null && AppApiToken is null && AppUrl is null;
}

/// <summary>
/// The sidecar under test, reached only through its public APIs: the official DaprClient, raw HTTP and raw gRPC
/// (the Dapr.Protos client). For the daprd target it connects to the configured endpoints or launches daprd.
/// </summary>
public sealed class Sut : IAsyncDisposable
{
    private readonly List<IDisposable> disposables = [];
    private Process? daprd;

    private Sut(string target, SutSpec spec, Uri grpc, Uri http)
    {
        Target = target;
        Spec = spec;
        GrpcEndpoint = grpc;
        HttpEndpoint = http;
        var builder = new DaprClientBuilder().UseGrpcEndpoint(grpc.ToString()).UseHttpEndpoint(http.ToString());
        if (spec.DaprApiToken is not null)
        {
            builder.UseDaprApiToken(spec.DaprApiToken);
        }
        Dapr = builder.Build();
        Http = new HttpClient { BaseAddress = http };
        if (spec.DaprApiToken is not null)
        {
            Http.DefaultRequestHeaders.Add("dapr-api-token", spec.DaprApiToken);
        }
        var channel = GrpcChannel.ForAddress(grpc);
        disposables.Add(channel);
        Grpc = new Proto.Dapr.DaprClient(channel);
    }

    public string Target { get; }
    public SutSpec Spec { get; }
    public Uri GrpcEndpoint { get; }
    public Uri HttpEndpoint { get; }
    public DaprClient Dapr { get; }
    public HttpClient Http { get; }
    public Proto.Dapr.DaprClient Grpc { get; }

    /// <summary>Embedded only: the cluster (for extra sidecars) and its fake clock.</summary>
    public EmbeddedDaprCluster? Cluster { get; private set; }
    public EmbeddedDaprSidecar? Sidecar { get; private set; }
    public FakeTimeProvider? Clock { get; private set; }

    /// <summary>gRPC call options carrying the token, as the SDK would send it.</summary>
    public CallOptions Call => new(Spec.DaprApiToken is null ? null : new Metadata { { "dapr-api-token", Spec.DaprApiToken } },
        cancellationToken: TestContext.Current.CancellationToken);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A key unique to the calling test, so tests can share a daprd instance.</summary>
    public static string Key(string name) => $"{name}-{Guid.NewGuid():N}";

    public static async Task<Sut> StartAsync(string target, SutSpec? spec = null)
    {
        spec ??= new SutSpec();
        if (target == Targets.Embedded)
        {
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var options = new EmbeddedDaprClusterOptions { TimeProvider = clock };
            foreach (var yaml in spec.Resources)
            {
                options.ResourceYaml.Add(yaml);
            }
            var cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
            var sidecar = await cluster.StartSidecarAsync(new SidecarOptions
            {
                AppId = spec.AppId,
                DaprApiToken = spec.DaprApiToken,
                AppApiToken = spec.AppApiToken,
                AppBaseUrl = spec.AppUrl,
            }, Ct);
            return new Sut(target, spec, sidecar.GrpcEndpoint, sidecar.HttpEndpoint) { Cluster = cluster, Sidecar = sidecar, Clock = clock };
        }

        if (!Targets.HasDaprdEndpoints && Targets.DaprdOnPath is null)
        {
            Assert.Skip(Targets.NoDaprdReason);
        }
        if (spec.EmbeddedOnlyReason is { } reason)
        {
            Assert.Skip($"daprd target: {reason}");
        }
        if (Targets.HasDaprdEndpoints)
        {
            if (!spec.IsDefault)
            {
                Assert.Skip("daprd target: this behaviour needs its own resources/tokens/app, which a pre-started daprd at DAPR_CONFORMANCE_*_ENDPOINT cannot provide");
            }
            return new Sut(target, spec, new Uri(Targets.DaprdGrpcEndpoint!), new Uri(Targets.DaprdHttpEndpoint!));
        }
        if (Targets.DaprdOnPath is { } daprdPath)
        {
            return await LaunchDaprdAsync(daprdPath, spec);
        }
        Assert.Skip(Targets.NoDaprdReason);
        throw new UnreachableException();
    }

    /// <summary>Starts a sidecar for another app-id in the same cluster (embedded target only).</summary>
    public Task<EmbeddedDaprSidecar> StartPeerAsync(string appId, Uri? appUrl = null, string? appApiToken = null) =>
        Cluster!.StartSidecarAsync(new SidecarOptions { AppId = appId, AppBaseUrl = appUrl, AppApiToken = appApiToken }, Ct);

    private static async Task<Sut> LaunchDaprdAsync(string daprdPath, SutSpec spec)
    {
        var dir = Directory.CreateTempSubdirectory("daprd-conformance-");
        for (var i = 0; i < spec.Resources.Length; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, $"r{i:D2}.yaml"), spec.Resources[i], Ct);
        }
        int grpcPort = FreePort(), httpPort = FreePort();
        var start = new ProcessStartInfo(daprdPath)
        {
            ArgumentList =
            {
                "--app-id", spec.AppId, "--dapr-grpc-port", grpcPort.ToString(), "--dapr-http-port", httpPort.ToString(),
                "--dapr-internal-grpc-port", FreePort().ToString(), "--metrics-port", FreePort().ToString(),
                "--resources-path", dir.FullName, "--log-level", "error",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (spec.AppUrl is { } app)
        {
            start.ArgumentList.Add("--app-port");
            start.ArgumentList.Add(app.Port.ToString());
        }
        if (spec.DaprApiToken is not null)
        {
            start.Environment["DAPR_API_TOKEN"] = spec.DaprApiToken;
        }
        if (spec.AppApiToken is not null)
        {
            start.Environment["APP_API_TOKEN"] = spec.AppApiToken;
        }
        var process = Process.Start(start)!;
        var sut = new Sut(Targets.Daprd, spec, new Uri($"http://127.0.0.1:{grpcPort}"), new Uri($"http://127.0.0.1:{httpPort}")) { daprd = process };
        using var probe = new HttpClient();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                if ((await probe.GetAsync($"http://127.0.0.1:{httpPort}/v1.0/healthz/outbound", Ct)).IsSuccessStatusCode)
                {
                    return sut;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100, Ct);
        }
        await sut.DisposeAsync();
        throw new InvalidOperationException("daprd did not become healthy");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Dapr.Dispose();
        Http.Dispose();
        foreach (var d in disposables)
        {
            d.Dispose();
        }
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
        if (daprd is { HasExited: false })
        {
            daprd.Kill(entireProcessTree: true);
            await daprd.WaitForExitAsync();
        }
        daprd?.Dispose();
    }
}
