using System.Collections.Concurrent;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Notification.Tests.Functional;

/// <summary>
/// Two replicas of notification on the <c>local</c> profile (each behind its own sidecar, sharing the stores as two
/// pods share Redis), plus a stand-in <c>ordering</c> app for the status-stream fallback and to publish order events,
/// and a stand-in <c>payment</c> to publish payment events.
/// </summary>
public class NotificationApiFixture() : ServiceCluster<Program>(AppIds.Notification)
{
    protected override int ReplicaCount => 2;

    // Without the profile's Resiliency, as cart, inventory and payment: on Redis a lost first-write create is a plain
    // store error that daprd retries and counts towards the store's breaker, so concurrent duplicate deliveries can
    // open it (503 for 15 s for every later test). A finding (docs/decisions.md); StrictStoreFixture tests the breaker.
    protected override DaprProfile Profile => DaprProfile.Local().Without("Resiliency/resiliency");

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["NotificationOptions:StatusPollInterval"] = "00:00:00.100" };

    /// <summary>Orders the stub ordering app knows: id → (owner, status).</summary>
    public ConcurrentDictionary<Guid, (string Owner, string Status)> OrderingKnows { get; } = new();

    public WebApplicationFactory<Program> ReplicaA => Replicas[0];
    public WebApplicationFactory<Program> ReplicaB => Replicas[1];

    protected override async Task StartStubsAsync()
    {
        await AddStubAsync(AppIds.Ordering, await StubApp.StartAsync(app =>
            app.MapGet("/api/orders/{id:guid}", (Guid id, HttpRequest request) =>
                OrderingKnows.TryGetValue(id, out var order) && order.Owner == request.Headers[CallerIdentity.UserIdHeader].ToString()
                    ? Results.Json(new { id, status = order.Status, total = 1m, lines = Array.Empty<object>() })
                    : Results.NotFound())));
        // Publishes payment's events: the profile's publishing scopes let only payment publish to "payments".
        await AddStubAsync(AppIds.Payment, await StubApp.StartAsync(_ => { }));
    }

    public static HttpClient Client(WebApplicationFactory<Program> replica, string? userId) => replica.CreateClient().As(userId);

    /// <summary>Posts the CloudEvent daprd would deliver to a replica's subscription route.</summary>
    public static async Task<HttpResponseMessage> Deliver(WebApplicationFactory<Program> replica, string topic, string type, object data, CancellationToken cancellationToken)
    {
        var envelope = new { id = Guid.NewGuid().ToString(), source = "test", type, specversion = "1.0", datacontenttype = "application/json", topic, pubsubname = "pubsub", data };
        var route = string.Concat(type.Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
        using var client = replica.CreateClient();
        return await client.PostAsync($"/integration-events/{route}", new StringContent(System.Text.Json.JsonSerializer.Serialize(envelope), System.Text.Encoding.UTF8, "application/cloudevents+json"), cancellationToken);
    }
}

/// <summary>
/// Two replicas whose streams re-read the store only once a minute (the most the option allows), longer than a test
/// waits for an event: a change these streams send within the wait came through the in-process hand-over.
/// </summary>
public sealed class SlowSafetyReadFixture : NotificationApiFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["NotificationOptions:StatusPollInterval"] = "00:01:00" };
}

/// <summary>
/// One replica whose store breaker opens on the first failed state call. daprd counts every failed state call, ETag
/// conflicts included, toward the store's circuit breaker, so the events of many orders arriving at once must cause no
/// conflict at all: otherwise handlers and <c>GET /api/notifications</c> start failing with "circuit breaker is open".
/// </summary>
public sealed class StrictStoreFixture : NotificationApiFixture
{
    protected override int ReplicaCount => 1;

    protected override DaprProfile Profile => DaprProfile.Local("""
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: resiliency
        scopes: [notification]
        spec:
          policies:
            circuitBreakers:
              anyFailure:
                maxRequests: 1
                timeout: 300s
                trip: consecutiveFailures > 0
          targets:
            components:
              notification-store:
                outbound:
                  circuitBreaker: anyFailure
        """);
}
