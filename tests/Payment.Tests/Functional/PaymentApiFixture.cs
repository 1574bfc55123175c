using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Flipkart.Payment.Tests.Functional;

/// <summary>
/// Payment behind its sidecar on the <c>local</c> profile (payment-store's outbox → topic <c>payments</c>), plus a
/// stand-in for <c>notification</c> subscribed to <c>payments</c> that records what is published, and stand-ins for
/// inventory and ordering whose sidecars publish their saga events.
/// </summary>
public sealed class PaymentApiFixture() : ServiceCluster<Program>(AppIds.Payment)
{
    // Without the profile's Resiliency: concurrent duplicate deliveries all create the same record, and on Redis each
    // lost create is a plain store error that daprd retries and counts towards the store's breaker (it opens, and the
    // duplicates come back later instead of being acknowledged). These tests are about payment's own rules.
    protected override DaprProfile Profile => DaprProfile.Local().Without("Resiliency/resiliency");

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["PaymentOptions:Latency"] = "00:00:00.020" };

    /// <summary>Every CloudEvent delivered on topic <c>payments</c> (the envelope JSON).</summary>
    public ConcurrentQueue<JsonObject> PaymentEvents { get; } = new();

    /// <summary>The sidecar of the stand-in that owns <paramref name="topic"/>: the profile's publishing scopes let only inventory publish to <c>inventory</c>, only ordering to <c>orders</c>.</summary>
    public EmbeddedDaprSidecar PublisherOf(string topic) => StubSidecar(topic switch
    {
        Topics.Inventory => AppIds.Inventory,
        Topics.Orders => AppIds.Ordering,
        _ => throw new ArgumentOutOfRangeException(nameof(topic), topic, "payment subscribes to inventory and orders only"),
    });

    protected override async Task StartStubsAsync()
    {
        await AddStubAsync(AppIds.Notification, await StubApp.RecorderAsync(Topics.Payments, PaymentEvents.Enqueue));
        await AddStubAsync(AppIds.Inventory, await StubApp.StartAsync(_ => { }));
        await AddStubAsync(AppIds.Ordering, await StubApp.StartAsync(_ => { }));
    }

    public HttpClient AdminClient() => CreateClient("ops", CallerIdentity.AdminRole);
}
