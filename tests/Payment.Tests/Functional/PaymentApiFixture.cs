using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Flipkart.Payment.Tests.Functional;

/// <summary>
/// Payment behind its sidecar on the <c>local</c> profile (payment-store's outbox → topic <c>payments</c>), plus a
/// stand-in for <c>notification</c> subscribed to <c>payments</c> that records what is published, and whose sidecar
/// publishes saga events as inventory and ordering would.
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

    public EmbeddedDaprSidecar Peer => StubSidecar(AppIds.Notification);

    protected override async Task StartStubsAsync() =>
        await AddStubAsync(AppIds.Notification, await StubApp.RecorderAsync(Topics.Payments, PaymentEvents.Enqueue));

    public HttpClient AdminClient() => CreateClient("ops", CallerIdentity.AdminRole);
}
