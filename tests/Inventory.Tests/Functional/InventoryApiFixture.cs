using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.Inventory;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Inventory.Tests.Functional;

/// <summary>
/// Inventory (WebApplicationFactory) behind an embedded sidecar with in-memory stores and pub/sub, configured for
/// one ledger, plus an observer app subscribed to topic <c>inventory</c> that records what inventory publishes.
/// </summary>
public class InventoryApiFixture(StockLedgerKind ledger, IReadOnlyDictionary<string, string>? settings = null, int replicas = 1) : IAsyncLifetime
{
    private const string Components = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: inventory-store
        spec:
          type: state.in-memory
          version: v1
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: actor-store
        spec:
          type: state.in-memory
          version: v1
          metadata:
            - name: actorStateStore
              value: "true"
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
        """;

    private readonly List<WebApplicationFactory<Program>> factories = [];
    private WebApplication? observer;

    public StockLedgerKind Ledger => ledger;
    public EmbeddedDaprCluster Cluster { get; private set; } = null!;

    /// <summary>The observer's sidecar: publishes order events as ordering would.</summary>
    public EmbeddedDaprSidecar Peer { get; private set; } = null!;

    /// <summary>CloudEvents inventory published, as delivered to the observer.</summary>
    public ConcurrentQueue<JsonObject> Published { get; } = new();

    public WebApplicationFactory<Program> Factory => factories[0];

    /// <summary>Every replica of inventory (each its own app and sidecar, sharing stores, broker and actor placement).</summary>
    public IReadOnlyList<WebApplicationFactory<Program>> Replicas => factories;

    public async ValueTask InitializeAsync()
    {
        Cluster = await EmbeddedDaprCluster.StartAsync(Components);

        observer = await StartObserverAsync();
        Peer = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = AppIds.Ordering, AppHandler = () => observer.GetTestServer().CreateHandler() });

        var ready = new List<Task> { Peer.WaitForAppReadyAsync() };
        for (var i = 0; i < replicas; i++)
        {
            var sidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = AppIds.Inventory });
            var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
            {
                foreach (var (key, value) in sidecar.AppConfiguration)
                {
                    web.UseSetting(key, value);
                }
                web.UseSetting("InventoryOptions:Ledger", ledger.ToString());
                web.UseSetting("Serilog:MinimumLevel:Default", "Error");
                foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                {
                    web.UseSetting(key, value);
                }
            });
            _ = factory.Server;
            sidecar.AttachApp(() => factory.Server.CreateHandler());
            factories.Add(factory);
            ready.Add(sidecar.WaitForAppReadyAsync());
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Task.WhenAll(ready).WaitAsync(timeout.Token);

        // One write through the ledger: if it fails, every test reports why instead of failing obscurely.
        using var admin = Admin();
        var probe = await admin.PutAsync("/api/inventory/ledger-probe", JsonContent.Create(new { available = 1 }), timeout.Token);
        LedgerProblem = probe.IsSuccessStatusCode ? null : await probe.Content.ReadAsStringAsync(timeout.Token);
    }

    /// <summary>Why the ledger does not work on this sidecar build (null when it does).</summary>
    public string? LedgerProblem { get; private set; }

    public bool LedgerAvailable => LedgerProblem is null;

    public HttpClient Client(string? userId, string? roles = null, int replica = 0)
    {
        var client = factories[replica].CreateClient();
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Add(CallerIdentity.UserIdHeader, userId);
        }
        if (roles is not null)
        {
            client.DefaultRequestHeaders.Add(CallerIdentity.RolesHeader, roles);
        }
        return client;
    }

    public HttpClient Admin() => Client("admin-1", CallerIdentity.AdminRole);

    /// <summary>Published events of <paramref name="type"/> for the order ids given (all orders when null).</summary>
    public IReadOnlyList<JsonObject> Events(string type, IReadOnlyCollection<Guid>? orderIds = null) =>
        [.. Published.Where(e => (string?)e["type"] == type
            && (orderIds is null || orderIds.Contains(Guid.Parse((string)e["data"]!["orderId"]!))))];

    /// <summary>Waits until inventory published at least <paramref name="count"/> outcomes for these orders.</summary>
    public async Task WaitForOutcomesAsync(IReadOnlyCollection<Guid> orderIds, int count, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (Events("StockReserved", orderIds).Count + Events("StockReservationFailed", orderIds).Count < count)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var factory in factories)
        {
            await factory.DisposeAsync();
        }
        if (observer is not null)
        {
            await observer.DisposeAsync();
        }
        await Cluster.DisposeAsync();
    }

    private async Task<WebApplication> StartObserverAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.MapGet("/dapr/subscribe", () => Results.Json(new[] { new { pubsubname = "pubsub", topic = "inventory", route = "inventory-events" } }));
        app.MapPost("/inventory-events", async (HttpRequest request) =>
        {
            var envelope = await JsonSerializer.DeserializeAsync<JsonObject>(request.Body);
            Published.Enqueue(envelope!);
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }
}

public sealed class StateStoreLedgerFixture() : InventoryApiFixture(StockLedgerKind.StateStore);

public sealed class ActorLedgerFixture() : InventoryApiFixture(StockLedgerKind.Actor);

public sealed class TwoReplicaActorLedgerFixture() : InventoryApiFixture(StockLedgerKind.Actor, replicas: 2);
