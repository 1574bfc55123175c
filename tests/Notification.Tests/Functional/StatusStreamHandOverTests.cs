using Flipkart.Notification.Domain;
using Flipkart.Notification.Infrastructure;
using Flipkart.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Notification.Tests.Functional;

/// <summary>
/// Streams whose safety re-read is a minute away: every change they send within a test's 20-second wait was handed
/// over in memory by the replica that recorded it, which is what keeps an open stream free while the order is idle.
/// </summary>
[Functional]
public class StatusStreamHandOverTests(SlowSafetyReadFixture fixture) : IClassFixture<SlowSafetyReadFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StatusStream_SendsEveryChangeThisReplicaRecords_WithoutWaitingForTheSafetyRead()
    {
        var user = "user-" + Guid.NewGuid().ToString("N")[..8];
        var orderId = Guid.NewGuid();
        var replica = fixture.ReplicaA;
        (await NotificationApiFixture.Deliver(replica, "orders", "OrderSubmitted",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, total = 1499m, reservationExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10), lines = new[] { new { productId = "p1", quantity = 1, unitPrice = 1499m, title = "Phone" } } }, Ct)).EnsureSuccessStatusCode();

        using var client = NotificationApiFixture.Client(replica, user);
        var stream = await SseStream.OpenAsync(client, $"/api/orders/{orderId}/events", Ct);
        try
        {
            Assert.Equal(OrderStatus.Submitted, (await stream.NextStatusAsync(Ct)).Status);

            (await NotificationApiFixture.Deliver(replica, "inventory", "StockReserved",
                new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, amount = 1499m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) }, Ct)).EnsureSuccessStatusCode();
            Assert.Equal(OrderStatus.StockReserved, (await stream.NextStatusAsync(Ct)).Status);

            // PaymentSucceeded names no owner: the stream takes it on the owner it checked when it opened.
            (await NotificationApiFixture.Deliver(replica, "payments", "PaymentSucceeded",
                new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, paymentId = "pay-1", amount = 1499m }, Ct)).EnsureSuccessStatusCode();
            Assert.Equal(OrderStatus.Paid, (await stream.NextStatusAsync(Ct)).Status);

            (await NotificationApiFixture.Deliver(replica, "orders", "OrderConfirmed",
                new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, total = 1499m, lines = new[] { new { productId = "p1", quantity = 1 } } }, Ct)).EnsureSuccessStatusCode();
            Assert.Equal(OrderStatus.Confirmed, (await stream.NextStatusAsync(Ct)).Status);
        }
        finally
        {
            await stream.DisposeAsync();
        }

        // The closed stream stops watching: nothing is left behind per order ever streamed.
        var signals = replica.Services.GetRequiredService<OrderStatusSignals>();
        await Eventually.TrueAsync(() => signals.Watching(orderId) == 0, "the closed stream to stop watching its order");
    }
}
