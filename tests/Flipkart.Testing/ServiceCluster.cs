using System.Text;
using System.Text.Json;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.Testing;

/// <summary>
/// One service under test, in process, behind its embedded sidecar: the real app (WebApplicationFactory) with the
/// environment daprd gives it, on a component profile (<see cref="DaprProfile"/>, by default <c>local</c>), with
/// stand-ins for the apps it talks to behind sidecars of their own, so every call and event crosses real Dapr APIs.
/// Several replicas share the stores, the broker and actor placement, as pods of one app-id do.
/// </summary>
public abstract class ServiceCluster<TProgram>(string appId) : IAsyncLifetime where TProgram : class
{
    private readonly List<WebApplicationFactory<TProgram>> replicas = [];
    private readonly List<EmbeddedDaprSidecar> sidecars = [];
    private readonly Dictionary<string, EmbeddedDaprSidecar> stubSidecars = new(StringComparer.Ordinal);
    private readonly List<StubApp> stubs = [];

    public string AppId => appId;

    protected virtual DaprProfile Profile => DaprProfile.Local();

    protected virtual int ReplicaCount => 1;

    /// <summary>The clock of the sidecars (TTLs) and of the app (registered as its TimeProvider when not the system's).</summary>
    protected virtual TimeProvider Clock => TimeProvider.System;

    /// <summary>Configuration every replica gets (options, log levels), on top of the sidecar's environment.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    /// <summary>The token the service must present to its sidecar (<c>DAPR_API_TOKEN</c>), as on Kubernetes; null: none.</summary>
    protected virtual string? SidecarApiToken => null;

    /// <summary>The profile's sidecar Configuration the app under test runs with (components/service-needs.yaml, <c>config</c>).</summary>
    protected virtual string AppConfiguration => "appconfig";

    /// <summary>Replaces services of the app under test (a recorder for a timer, a fault-injecting client).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Adds sidecar modules (call counters, interceptors) to the cluster before it starts.</summary>
    protected virtual void ConfigureCluster(EmbeddedDaprClusterOptions options)
    {
    }

    /// <summary>Starts the stand-ins for the apps this one talks to (<see cref="AddStubAsync"/>), before the service starts.</summary>
    protected virtual Task StartStubsAsync() => Task.CompletedTask;

    public EmbeddedDaprCluster Cluster { get; private set; } = null!;

    public IReadOnlyList<WebApplicationFactory<TProgram>> Replicas => replicas;

    public WebApplicationFactory<TProgram> Factory => replicas[0];

    public IReadOnlyList<EmbeddedDaprSidecar> Sidecars => sidecars;

    public EmbeddedDaprSidecar Sidecar => sidecars[0];

    /// <summary>The sidecar of the stand-in for <paramref name="stubAppId"/>: publish or invoke as that app would.</summary>
    public EmbeddedDaprSidecar StubSidecar(string stubAppId) => stubSidecars[stubAppId];

    public virtual async ValueTask InitializeAsync()
    {
        var options = new EmbeddedDaprClusterOptions { TimeProvider = Clock, WorkingDirectory = Profile.Directory };
        foreach (var document in Profile.Documents())
        {
            options.ResourceYaml.Add(document);
        }
        ConfigureCluster(options);
        Cluster = await EmbeddedDaprCluster.StartAsync(options);
        await StartStubsAsync();

        for (var i = 0; i < ReplicaCount; i++)
        {
            var (factory, sidecar) = await CreateReplicaAsync();
            replicas.Add(factory);
            sidecars.Add(sidecar);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        await Task.WhenAll(Cluster.Sidecars.Select(s => s.WaitForAppReadyAsync(timeout.Token)));
    }

    /// <summary>
    /// One more replica, started now (a scale-out or a restart): the caller disposes it, and stops its sidecar when
    /// the replica should leave.
    /// </summary>
    public async Task<(WebApplicationFactory<TProgram> App, EmbeddedDaprSidecar Sidecar)> StartReplicaAsync()
    {
        var (factory, sidecar) = await CreateReplicaAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        await sidecar.WaitForAppReadyAsync(timeout.Token);
        return (factory, sidecar);
    }

    private async Task<(WebApplicationFactory<TProgram>, EmbeddedDaprSidecar)> CreateReplicaAsync()
    {
        var sidecar = await Cluster.StartSidecarAsync(new SidecarOptions
        {
            AppId = AppId, ConfigurationName = Profile.Name is null ? null : AppConfiguration, DaprApiToken = SidecarApiToken,
        });
        var factory = new WebApplicationFactory<TProgram>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in sidecar.AppConfiguration)
            {
                web.UseSetting(key, value);
            }
            web.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in Settings)
            {
                web.UseSetting(key, value);
            }
            web.ConfigureTestServices(services =>
            {
                if (Clock != TimeProvider.System)
                {
                    services.AddSingleton(Clock);
                }
                ConfigureServices(services);
            });
        });
        _ = factory.Server;
        sidecar.AttachApp(() => factory.Server.CreateHandler());
        return (factory, sidecar);
    }

    /// <summary>Runs <paramref name="stub"/> as <paramref name="stubAppId"/> behind a sidecar of its own.</summary>
    protected async Task<EmbeddedDaprSidecar> AddStubAsync(string stubAppId, StubApp stub)
    {
        stubs.Add(stub);
        var sidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = stubAppId, AppHandler = stub.CreateHandler, ConfigurationName = ConfigurationName });
        stubSidecars[stubAppId] = sidecar;
        return sidecar;
    }

    /// <summary>A client of the first replica acting as <paramref name="userId"/> with <paramref name="roles"/>, as the Gateway stamps them; null: anonymous.</summary>
    public HttpClient CreateClient(string? userId = null, params string[] roles) => Factory.CreateClient().As(userId, roles);

    /// <summary>
    /// The service as it runs when its sidecar is gone (crashed, restarting): every Dapr endpoint it knows points at a
    /// loopback port nobody listens on. Dispose it after use.
    /// </summary>
    public WebApplicationFactory<TProgram> WithSidecarDown()
    {
        var port = Outage.ClosedLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Factory.WithWebHostBuilder(web =>
        {
            web.UseSetting("DAPR_GRPC_ENDPOINT", $"http://127.0.0.1:{port}");
            web.UseSetting("DAPR_HTTP_ENDPOINT", $"http://127.0.0.1:{port}");
            web.UseSetting("DAPR_GRPC_PORT", port);
            web.UseSetting("DAPR_HTTP_PORT", port);
        });
    }

    /// <summary>Posts the CloudEvent daprd would deliver for <paramref name="type"/> straight to the subscription route of a replica.</summary>
    public async Task<HttpResponseMessage> DeliverAsync(string topic, string type, object data, int replica = 0)
    {
        var envelope = new { id = Guid.NewGuid().ToString(), source = "test", type, specversion = "1.0", datacontenttype = "application/json", topic, pubsubname = DaprComponents.PubSub, data };
        using var client = replicas[replica].CreateClient();
        var route = $"/{IntegrationEventSubscriptions.RoutePrefix}/{string.Concat(type.Select((c, i) => char.IsUpper(c) ? (i == 0 ? "" : "-") + char.ToLowerInvariant(c) : c.ToString()))}";
        return await client.PostAsync(route, new StringContent(JsonSerializer.Serialize(envelope), Encoding.UTF8, "application/cloudevents+json"),
            TestContext.Current.CancellationToken);
    }

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }
        foreach (var stub in stubs)
        {
            await stub.DisposeAsync();
        }
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    // The profile's sidecar Configuration of the stand-ins: the one for every app but the gateway and fulfilment.
    private string? ConfigurationName => Profile.Name is null ? null : "appconfig";
}
