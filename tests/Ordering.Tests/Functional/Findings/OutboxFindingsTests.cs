using System.Net.Http.Json;
using System.Net;
using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.Testing;
using static Flipkart.Ordering.Tests.Functional.Findings.FindingWaits;

namespace Flipkart.Ordering.Tests.Functional.Findings;

/// <summary>
/// Finding F1 (issue 13), on kafka-cassandra: an order commit that fails after daprd handed its event to the outbox
/// topic leaves a hand-off whose marker never lands. Without <c>outboxDiscardWhenMissingState</c> daprd NACKs it and
/// Kafka (<c>consumeRetryEnabled</c>) retries it forever in the hand-off topic's only partition, so every later order
/// event of the store waits behind it.
/// </summary>
public sealed class F1_OrphanOutboxHandOffOnKafkaTests(KafkaCassandraOrdering shop) : IClassFixture<KafkaCassandraOrdering>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task F1_An_order_whose_commit_failed_after_its_hand_off_does_not_hold_back_the_next_orders_event()
    {
        var first = await shop.PlaceOrderAsync(Ct);
        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        await Eventually.TrueAsync(() => shop.EventsOf(first.OrderId).Contains("OrderSubmitted"), "the first order's OrderSubmitted");

        // The order store fails every transaction attempt (an outage), after daprd published the hand-off.
        shop.Gate.OnCall = (app, store, operation) => app == "ordering" && store == "order-store" && operation == "transaction"
            ? throw new TimeoutException("order-store timed out")
            : Task.CompletedTask;
        var failed = await shop.PlaceOrderAsync(Ct);
        shop.Gate.OnCall = null;
        var next = await shop.PlaceOrderAsync(Ct);

        Assert.NotEqual(HttpStatusCode.Accepted, failed.Status);
        Assert.Equal(HttpStatusCode.Accepted, next.Status);
        var arrived = await Within(() => shop.EventsOf(next.OrderId).Contains("OrderSubmitted"), TimeSpan.FromSeconds(30));
        var handOff = PubSubModule.Broker(shop.Cluster).Counters.Get(topic: "defaultorderingordersoutbox", appId: "ordering");
        Assert.True(arrived,
            $"OrderSubmitted of the next order {next.OrderId} did not reach subscribers within 30 s: the orphan hand-off of the failed order " +
            $"holds the hand-off topic's partition (hand-off topic: {handOff.Published} published, {handOff.Delivered} relayed, {handOff.Retried} redeliveries)");
    }
}

/// <summary>
/// Finding F2 (issue 13), on local (Redis order-store, as with <c>dapr run -f .</c>): MULTI/EXEC has no rollback, so when
/// a user's cancel and PaymentSucceeded race on one order, the loser's ETag check fails but its outbox marker lands and
/// daprd publishes the loser's event: an OrderConfirmed for an order that ended Cancelled. Fixed by a single-key
/// compare-and-swap of the order first and an outbox transaction with only the event's own key after it, for the winner.
/// </summary>
public sealed class F2_LosingWritersEventOnRedisTests(LocalOrdering shop) : IClassFixture<LocalOrdering>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task F2_A_cancel_racing_PaymentSucceeded_publishes_only_the_winners_event()
    {
        var (status, orderId, user, client) = await shop.PlaceOrderAsync(Ct);
        Assert.Equal(HttpStatusCode.Accepted, status);
        using var reserved = await shop.DeliverAsync("inventory", "StockReserved",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, amount = 250m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) });
        Assert.Equal(HttpStatusCode.OK, reserved.StatusCode);

        // Hold PaymentSucceeded's first order-store write (read with the StockReserved ETag) until the user's cancel has
        // committed over the same ETag: a transaction (held after its outbox hand-off) or a single-key save alike.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = 1;
        shop.Gate.OnCall = async (app, store, operation) =>
        {
            if (app == "ordering" && store == "order-store" && operation is "transaction" or "set" && Interlocked.Exchange(ref armed, 0) == 1)
            {
                held.TrySetResult();
                await release.Task;
            }
        };
        var paying = shop.DeliverAsync("payments", "PaymentSucceeded",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, paymentId = "pay_f2", amount = 250m });
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        using var cancel = await client.PostAsync($"/api/orders/{orderId}/cancel", null, Ct);
        release.TrySetResult();
        using var paid = await paying;
        shop.Gate.OnCall = null;

        var final = (string)(await client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/orders/{orderId}", Ct))!["status"]!;
        await Eventually.TrueAsync(() => shop.EventsOf(orderId).Contains(final == "Cancelled" ? "OrderCancelled" : "OrderConfirmed"), $"the {final} order's event");
        await Within(() => shop.EventsOf(orderId).Count >= 3, TimeSpan.FromSeconds(5)); // room for a loser's event

        var events = shop.EventsOf(orderId);
        var contradicting = final == "Cancelled" ? "OrderConfirmed" : "OrderCancelled";
        Assert.True(!events.Contains(contradicting),
            $"the order ended {final} (cancel answered {(int)cancel.StatusCode}, PaymentSucceeded answered {(int)paid.StatusCode}), " +
            $"yet subscribers were told {contradicting}: events published [{string.Join(", ", events)}]");
    }
}

internal static class FindingWaits
{
    /// <summary>Whether <paramref name="condition"/> came true within <paramref name="timeout"/> (false rather than a throw, for a diagnostic message).</summary>
    public static async Task<bool> Within(Func<bool> condition, TimeSpan timeout)
    {
        try
        {
            await Eventually.TrueAsync(condition, "the condition", timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
