using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Flipkart.Inventory;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;
using Flipkart.EmbeddedDapr.Hosting;

namespace Inventory.Tests.Functional;

/// <summary>
/// Inventory behind its sidecar on the <c>local</c> profile, configured for one ledger, plus a stand-in for
/// <c>ordering</c> subscribed to topic <c>inventory</c> that records what inventory publishes, answers an order's status
/// (<see cref="OrderStatuses"/>) and whose sidecar publishes order events as ordering would.
/// </summary>
public class InventoryApiFixture(StockLedgerKind ledger, IReadOnlyDictionary<string, string>? settings = null, int replicas = 1)
    : ServiceCluster<Program>(AppIds.Inventory)
{
    public StockLedgerKind Ledger => ledger;

    // Without the profile's Resiliency: on Redis a lost first-write create is a plain store error, which daprd retries
    // and counts towards the store's circuit breaker, so fifty buyers racing for one key open it (503 for 15 s).
    // These tests are about the ledgers' own rules; that finding is reported, not hidden in their timings.
    protected override DaprProfile Profile => DaprProfile.Local().Without("Resiliency/resiliency");

    protected override int ReplicaCount => replicas;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
    {
        ["InventoryOptions:Ledger"] = ledger.ToString(),
    };

    /// <summary>The stand-in ordering's sidecar: publishes order events as ordering would.</summary>
    public EmbeddedDaprSidecar Peer => StubSidecar(AppIds.Ordering);

    /// <summary>CloudEvents inventory published, as delivered to the stand-in.</summary>
    public ConcurrentQueue<JsonObject> Published { get; } = new();

    /// <summary>
    /// What the stand-in ordering answers for an order (the expiry sweep asks): its saga outcome and its status on the
    /// delivery timeline, which has moved on once fulfilment packs it; absent orders are 404.
    /// </summary>
    public ConcurrentDictionary<Guid, (string Outcome, string Status)> Orders { get; } = new();

    protected override async Task StartStubsAsync() =>
        await AddStubAsync(AppIds.Ordering, await StubApp.StartAsync(app =>
        {
            app.MapGet("/dapr/subscribe", () => Results.Json(new[] { new { pubsubname = DaprComponents.PubSub, topic = Topics.Inventory, route = Topics.Inventory } }));
            app.MapPost($"/{Topics.Inventory}", async (HttpRequest request) =>
            {
                Published.Enqueue((await JsonSerializer.DeserializeAsync<JsonObject>(request.Body))!);
                return Results.Ok();
            });
            app.MapGet("/api/orders/{orderId:guid}", (Guid orderId) => Orders.TryGetValue(orderId, out var order)
                ? Results.Json(new { orderId, status = order.Status, outcome = order.Outcome })
                : Results.NotFound());
        }));

    public HttpClient Client(string? userId, string? roles = null, int replica = 0) =>
        Replicas[replica].CreateClient().As(userId, roles is null ? [] : [roles]);

    public HttpClient Admin() => Client("admin-1", CallerIdentity.AdminRole);

    /// <summary>Published events of <paramref name="type"/> for the order ids given (all orders when null).</summary>
    public IReadOnlyList<JsonObject> Events(string type, IReadOnlyCollection<Guid>? orderIds = null) =>
        [.. Published.Where(e => (string?)e["type"] == type
            && (orderIds is null || orderIds.Contains(Guid.Parse((string)e["data"]!["orderId"]!))))];

    /// <summary>Posts a one-line OrderSubmitted to the subscription route, as daprd would deliver it.</summary>
    public static Task<HttpResponseMessage> SubmitOrderAsync(HttpClient client, Guid orderId, string product, string userId = "buyer")
    {
        var envelope = new
        {
            id = Guid.NewGuid().ToString(), source = "ordering", type = "OrderSubmitted", specversion = "1.0", datacontenttype = "application/json", topic = "orders", pubsubname = "pubsub",
            data = new
            {
                eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId, total = 499m,
                reservationExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10),
                lines = new[] { new { productId = product, quantity = 1, unitPrice = 499m, title = "Hot phone" } },
            },
        };
        return client.PostAsync("/integration-events/order-submitted",
            new StringContent(JsonSerializer.Serialize(envelope), System.Text.Encoding.UTF8, "application/cloudevents+json"), TestContext.Current.CancellationToken);
    }

    /// <summary>Waits until inventory published at least <paramref name="count"/> outcomes for these orders.</summary>
    public Task WaitForOutcomesAsync(IReadOnlyCollection<Guid> orderIds, int count) =>
        Eventually.TrueAsync(() => Events("StockReserved", orderIds).Count + Events("StockReservationFailed", orderIds).Count >= count,
            $"{count} reservation outcomes of {orderIds.Count} orders");
}

public sealed class StateStoreLedgerFixture() : InventoryApiFixture(StockLedgerKind.StateStore);

public sealed class ActorLedgerFixture() : InventoryApiFixture(StockLedgerKind.Actor);

public sealed class TwoReplicaActorLedgerFixture() : InventoryApiFixture(StockLedgerKind.Actor, replicas: 2);

/// <summary>Two replicas that call the stock actor one turn per change, as before <c>GatherStockTurns</c>.</summary>
public sealed class TwoReplicaUngatheredActorLedgerFixture()
    : InventoryApiFixture(StockLedgerKind.Actor, new Dictionary<string, string> { ["InventoryOptions:GatherStockTurns"] = "false" }, replicas: 2);

/// <summary>The actor ledger with each new product's stock split over four stock buckets (four actors).</summary>
public sealed class BucketedActorLedgerFixture() : InventoryApiFixture(StockLedgerKind.Actor, BucketedActorLedgerFixture.FourBuckets)
{
    // Split even the few units these tests stock, so every test runs against four actors.
    public static readonly IReadOnlyDictionary<string, string> FourBuckets = new Dictionary<string, string>
    {
        ["InventoryOptions:StockBuckets"] = "4",
        ["InventoryOptions:StockBucketMinUnits"] = "1",
    };
}

public sealed class BucketedStateStoreLedgerFixture() : InventoryApiFixture(StockLedgerKind.StateStore, BucketedActorLedgerFixture.FourBuckets);

public sealed class TwoReplicaBucketedActorLedgerFixture() : InventoryApiFixture(StockLedgerKind.Actor, BucketedActorLedgerFixture.FourBuckets, replicas: 2);
