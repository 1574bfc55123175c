using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.Notification.Apis;
using Flipkart.Notification.Domain;
using Flipkart.Testing;

namespace Notification.Tests.Functional;

/// <summary>Many orders' events at once against a store whose breaker opens on the first failed call (see <see cref="StrictStoreFixture"/>).</summary>
[Functional]
public sealed class StoreContentionTests(StrictStoreFixture fixture) : IClassFixture<StrictStoreFixture>
{
    private static readonly JsonSerializerOptions Json = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryEventOfManyOrdersAtOnce_CausesNoStoreConflict_AndEachOwnerGetsOneNotification()
    {
        var orders = Enumerable.Range(0, 12).Select(i => (OrderId: Guid.NewGuid(), User: $"buyer-{i}-{Guid.NewGuid():N}"[..16])).ToList();
        var deliveries = new List<Func<Task<HttpResponseMessage>>>();
        foreach (var (orderId, user) in orders)
        {
            var at = DateTimeOffset.UtcNow;
            // Each status event twice (redelivery), all of one order's events racing each other.
            for (var copy = 0; copy < 2; copy++)
            {
                deliveries.Add(() => NotificationApiFixture.Deliver(fixture.Factory, "orders", "OrderSubmitted",
                    new { eventId = Guid.NewGuid(), occurredAt = at, orderId, userId = user, total = 10m, reservationExpiresAt = at.AddMinutes(5), lines = Array.Empty<object>() }, Ct));
                deliveries.Add(() => NotificationApiFixture.Deliver(fixture.Factory, "inventory", "StockReserved",
                    new { eventId = Guid.NewGuid(), occurredAt = at.AddMilliseconds(1), orderId, userId = user, amount = 10m, expiresAt = at.AddMinutes(5) }, Ct));
                deliveries.Add(() => NotificationApiFixture.Deliver(fixture.Factory, "payments", "PaymentSucceeded",
                    new { eventId = Guid.NewGuid(), occurredAt = at.AddMilliseconds(2), orderId, paymentId = "pay", amount = 10m }, Ct));
            }
            // The one notifying event once: duplicates of it rightly compare-and-swap the owner's inbox.
            deliveries.Add(() => NotificationApiFixture.Deliver(fixture.Factory, "orders", "OrderCancelled",
                new { eventId = Guid.NewGuid(), occurredAt = at.AddMilliseconds(3), orderId, userId = user, reason = "ReservationExpired", lines = Array.Empty<object>() }, Ct));
        }

        var responses = await Task.WhenAll(deliveries.Select(d => Task.Run(d, Ct)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var (orderId, user) in orders)
        {
            using var client = NotificationApiFixture.Client(fixture.Factory, user);
            using var answer = await client.GetAsync("/api/notifications", Ct);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var page = await answer.Content.ReadFromJsonAsync<NotificationPage>(Json, Ct);
            var only = Assert.Single(page!.Items);
            Assert.Equal((orderId, NotificationKind.OrderCancelled), (only.OrderId, only.Kind));
        }
    }

    [Fact]
    public async Task TheStatusStream_ShowsTheFinalStatus_AssembledFromTheStatusRecords()
    {
        var orderId = Guid.NewGuid();
        var user = "buyer-" + Guid.NewGuid().ToString("N")[..8];
        var at = DateTimeOffset.UtcNow;
        // Out of saga order: the final status arrives first.
        (await NotificationApiFixture.Deliver(fixture.Factory, "orders", "OrderCancelled",
            new { eventId = Guid.NewGuid(), occurredAt = at.AddSeconds(2), orderId, userId = user, reason = "OutOfStock", lines = Array.Empty<object>() }, Ct)).EnsureSuccessStatusCode();
        (await NotificationApiFixture.Deliver(fixture.Factory, "orders", "OrderSubmitted",
            new { eventId = Guid.NewGuid(), occurredAt = at, orderId, userId = user, total = 10m, reservationExpiresAt = at.AddMinutes(5), lines = Array.Empty<object>() }, Ct)).EnsureSuccessStatusCode();

        using var client = NotificationApiFixture.Client(fixture.Factory, user);
        var body = await client.GetStringAsync($"/api/orders/{orderId}/events", Ct);

        Assert.Contains("\"status\":\"Cancelled\"", body, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"OutOfStock\"", body, StringComparison.Ordinal);
        using var stranger = NotificationApiFixture.Client(fixture.Factory, "someone-else");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/orders/{orderId}/events", Ct)).StatusCode);
    }
}
