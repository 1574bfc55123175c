using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.Ordering.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flipkart.Ordering.Tests.Functional.Findings;

/// <summary>
/// Ordering behind an embedded sidecar loaded with a whole shipped profile (<c>components/&lt;profile&gt;</c>: its store and
/// broker types, outbox settings and Resiliency), stub cart and catalog apps, and an observer of topic <c>orders</c>.
/// <see cref="Gate"/> lets a test hold or fail ordering's <c>order-store</c> calls at the moment daprd would run them.
/// </summary>
public abstract class ProfileOrderingFixture(string profile) : IAsyncLifetime
{
    private WebApplicationFactory<Program>? factory;

    public string Profile => profile;
    public EmbeddedDaprCluster Cluster { get; private set; } = null!;
    public StubApps Stubs { get; } = new();
    public StoreGate Gate { get; } = new();
    public WebApplicationFactory<Program> Factory => factory!;

    public async ValueTask InitializeAsync()
    {
        var resources = Path.Combine(RepositoryRoot(), "components", profile);
        var options = new EmbeddedDaprClusterOptions { ResourcesPath = resources, WorkingDirectory = resources };
        options.Modules.Add(Gate);
        Cluster = await EmbeddedDaprCluster.StartAsync(options);
        // Test-only: daprd's outbox relay runs every step 10 times faster (gives up after 1 s instead of 10 s).
        PubSubModule.Outbox(Cluster).Timing = OutboxTiming.Daprd.Scaled(0.1);
        await Stubs.StartAsync();
        await Stubs.StartObserverAsync();
        var sidecars = new List<EmbeddedDaprSidecar>
        {
            await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "cart", AppHandler = () => Stubs.CartHandler }),
            await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "catalog", AppHandler = () => Stubs.CatalogHandler }),
            await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "notification", AppHandler = () => Stubs.ObserverHandler }),
        };
        var ordering = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering" });
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in ordering.AppConfiguration)
            {
                web.UseSetting(key, value);
            }
            web.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            web.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<IReservationTimer>(new RecordingReservationTimer())));
        });
        _ = factory.Server;
        ordering.AttachApp(() => factory.Server.CreateHandler());
        sidecars.Add(ordering);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Task.WhenAll(sidecars.Select(s => s.WaitForAppReadyAsync(timeout.Token)));
    }

    /// <summary>Places a one-line order through POST /api/orders; returns the answer (202 with the order id, or the failure).</summary>
    public async Task<(HttpStatusCode Status, Guid OrderId, string UserId, HttpClient Client)> PlaceOrderAsync(CancellationToken cancellationToken)
    {
        var user = $"user-{Guid.NewGuid():N}";
        var productId = $"p-{Guid.NewGuid():N}";
        Stubs.Products[productId] = ("Finding product", 250m);
        Stubs.Carts[user] = [(productId, 1)];
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-User-Id", user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await client.SendAsync(request, cancellationToken);
        var orderId = response.StatusCode == HttpStatusCode.Accepted
            ? Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["orderId"]!)
            : Guid.Empty;
        return (response.StatusCode, orderId, user, client);
    }

    /// <summary>Posts a CloudEvent to a subscription route the way daprd delivers it.</summary>
    public async Task<HttpResponseMessage> DeliverAsync(string route, string type, object data, CancellationToken cancellationToken)
    {
        var envelope = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = "test",
            ["type"] = type,
            ["datacontenttype"] = "application/json",
            ["pubsubname"] = "pubsub",
            ["data"] = JsonSerializer.SerializeToNode(data, JsonSerializerOptions.Web),
        };
        using var client = Factory.CreateClient();
        return await client.PostAsync(route, new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), cancellationToken);
    }

    /// <summary>The event types published on <c>orders</c> for one order, in arrival order.</summary>
    public IReadOnlyList<string> EventsOf(Guid orderId) =>
        [.. Stubs.OrderEvents.Where(e => (string?)e["data"]?["orderId"] == orderId.ToString()).Select(e => (string)e["type"]!)];

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
        await Stubs.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Flipkart.Dapr.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root (Flipkart.Dapr.sln) not found");
    }
}

public sealed class KafkaCassandraOrdering() : ProfileOrderingFixture("kafka-cassandra");

public sealed class LocalOrdering() : ProfileOrderingFixture("local");

/// <summary>
/// An embedded-sidecar module that runs a test's hook inside every state-store call a sidecar makes, after the outbox
/// hand-off and within the store's resiliency policy: a thrown exception is a store outage, an awaited task holds the call.
/// </summary>
public sealed class StoreGate : ISidecarModule
{
    public Func<string, string, string, Task>? OnCall { get; set; }

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
        services.AddSingleton<IOutboundCallInterceptor>(new Interceptor(this, sidecar.AppId));

    private sealed class Interceptor(StoreGate gate, string appId) : IOutboundCallInterceptor
    {
        public async ValueTask BeforeComponentCallAsync(string componentName, string operation, CancellationToken cancellationToken)
        {
            if (gate.OnCall is { } hook)
            {
                await hook(appId, componentName, operation);
            }
        }
    }
}
