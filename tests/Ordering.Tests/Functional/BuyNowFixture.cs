using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>
/// Ordering with stand-ins for cart, catalog and inventory (real service invocation), and a counter of every
/// state-store operation each sidecar runs, so a test can prove that a request touched no store.
/// </summary>
public sealed class BuyNowFixture : OrderingApiFixture
{
    public StateCallCounter StateCalls { get; } = new();

    /// <summary>What the inventory stub answers on GET /api/inventory/{id}/availability; absent = 404.</summary>
    public ConcurrentDictionary<string, (string Status, int Available, int? PerUserLimit)> Availability { get; } = new();

    /// <summary>How many availability reads reached the inventory stub, per product.</summary>
    public ConcurrentDictionary<string, int> AvailabilityReads { get; } = new();

    /// <summary>How the inventory stub answers a hold of a product (POST /internal/reservations/{orderId}); absent = held.</summary>
    public ConcurrentDictionary<string, HoldStub> HoldAnswers { get; } = new();

    /// <summary>Every hold that reached the inventory stub: the order id and the body ordering sent.</summary>
    public ConcurrentQueue<(Guid OrderId, JsonObject Body)> Holds { get; } = new();

    // The fetch timeout is generous: past it the gate fails open (by design), which on a loaded CI machine let a
    // sold-out buyer through and read as a broken gate. Failing open has its own test (BuyNowGateTests).
    protected override IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string>(base.Settings)
        {
            ["OrderingOptions:AvailabilityFreshness"] = "00:00:00.100",
            ["OrderingOptions:AvailabilityFetchTimeout"] = "00:00:30",
        };

    protected override void ConfigureCluster(EmbeddedDaprClusterOptions options) => options.Modules.Add(StateCalls);

    protected override async Task StartStubsAsync()
    {
        await base.StartStubsAsync();
        await AddStubAsync(AppIds.Inventory, await StubApp.StartAsync(app =>
        {
            app.MapGet("/api/inventory/{productId}/availability", (string productId) =>
            {
                AvailabilityReads.AddOrUpdate(productId, 1, (_, n) => n + 1);
                return Availability.TryGetValue(productId, out var a)
                    ? Results.Json(new { productId, status = a.Status, available = a.Available, perUserLimit = a.PerUserLimit })
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown product");
            });
            app.MapPost("/internal/reservations/{orderId:guid}", async (Guid orderId, HttpRequest request) =>
            {
                var body = (await JsonSerializer.DeserializeAsync<JsonObject>(request.Body))!;
                Holds.Enqueue((orderId, body));
                var productId = (string)body["lines"]![0]!["productId"]!;
                var expiresAt = (DateTimeOffset)body["expiresAt"]!;
                return HoldAnswers.GetValueOrDefault(productId) switch
                {
                    HoldStub.Hold => Results.Json(new { orderId, status = "Reserved", expiresAt }),
                    HoldStub.OutOfStock => Results.Json(new { orderId, status = "Failed", expiresAt, reason = "out of stock", productId }),
                    HoldStub.PurchaseLimit => Results.Json(new { orderId, status = "Failed", expiresAt, reason = "purchase limit exceeded", productId }),
                    HoldStub.Lapsed => Results.Json(new { orderId, status = "Released", expiresAt }),
                    _ => Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Inventory is down"),
                };
            });
        }));
    }
}

/// <summary>An embedded-sidecar module counting the state-store operations each app's sidecar runs.</summary>
public sealed class StateCallCounter : ISidecarModule
{
    private readonly ConcurrentDictionary<string, long> calls = new();
    private readonly ConcurrentDictionary<string, long> writes = new();

    public long CallsBy(string appId) => calls.GetValueOrDefault(appId);

    /// <summary>Operations that change state (save, delete, transaction), not reads.</summary>
    public long WritesBy(string appId) => writes.GetValueOrDefault(appId);

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
        services.AddSingleton<IOutboundCallInterceptor>(new Interceptor(this, sidecar));

    private sealed class Interceptor(StateCallCounter counter, SidecarContext sidecar) : IOutboundCallInterceptor
    {
        public ValueTask BeforeComponentCallAsync(string componentName, string operation, CancellationToken cancellationToken)
        {
            if (sidecar.StateStores.ContainsKey(componentName))
            {
                counter.calls.AddOrUpdate(sidecar.AppId, 1, (_, n) => n + 1);
                if (operation is not ("get" or "bulkget"))
                {
                    counter.writes.AddOrUpdate(sidecar.AppId, 1, (_, n) => n + 1);
                }
            }
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>What the inventory stub answers to a hold.</summary>
public enum HoldStub
{
    Hold,
    OutOfStock,
    PurchaseLimit,
    Lapsed,
    Unavailable,
}
