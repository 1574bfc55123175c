using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.Ordering.Tests.Functional.Findings;

/// <summary>
/// Ordering on a whole shipped profile (<c>components/&lt;profile&gt;</c>: its store and broker types, outbox settings and
/// Resiliency) instead of the in-memory stores of <see cref="OrderingApiFixture"/>. <see cref="Gate"/> lets a test hold
/// or fail ordering's <c>order-store</c> calls at the moment daprd would run them.
/// </summary>
public abstract class ProfileOrderingFixture(string profile) : OrderingApiFixture
{
    public StoreGate Gate { get; } = new();

    protected override DaprProfile Profile => new(profile, []);

    protected override void ConfigureCluster(EmbeddedDaprClusterOptions options) => options.Modules.Add(Gate);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        // Test-only: daprd's outbox relay runs every step 10 times faster (gives up after 1 s instead of 10 s).
        PubSubModule.Outbox(Cluster).Timing = OutboxTiming.Daprd.Scaled(0.1);
    }

    /// <summary>Places a one-line order through POST /api/orders; returns the answer (202 with the order id, or the failure).</summary>
    public async Task<(HttpStatusCode Status, Guid OrderId, string UserId, HttpClient Client)> PlaceOrderAsync(CancellationToken cancellationToken)
    {
        var user = $"user-{Guid.NewGuid():N}";
        var productId = $"p-{Guid.NewGuid():N}";
        Stubs.Products[productId] = ("Finding product", 250m);
        Stubs.Carts[user] = [(productId, 1)];
        var client = ClientFor(user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await client.SendAsync(request, cancellationToken);
        var orderId = response.StatusCode == HttpStatusCode.Accepted
            ? Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["orderId"]!)
            : Guid.Empty;
        return (response.StatusCode, orderId, user, client);
    }

    /// <summary>The event types published on <c>orders</c> for one order, in arrival order.</summary>
    public IReadOnlyList<string> EventsOf(Guid orderId) =>
        [.. Stubs.OrderEvents.Where(e => (string?)e["data"]?["orderId"] == orderId.ToString()).Select(e => (string)e["type"]!)];
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
