using System.Diagnostics;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// Ordering's <c>outcome</c> of an order: how its checkout saga ended, apart from the delivery timeline (<c>status</c>)
/// that moves on from Confirmed to Packed, Shipped… within seconds. A confirmed order stays Confirmed here even when it is
/// later cancelled before hand-over or returned (its refund and restock are accounted for separately).
/// </summary>
public static class OrderOutcomes
{
    public const string Pending = "Pending";
    public const string Confirmed = "Confirmed";
    public const string Cancelled = "Cancelled";

    public static bool IsSettled(string outcome) => outcome is Confirmed or Cancelled;

    /// <summary>The outcome ordering reports on an order (GET /api/orders/{id}); Pending when it does not say.</summary>
    public static string Of(System.Text.Json.JsonElement order) =>
        order.TryGetProperty("outcome", out var outcome) && outcome.ValueKind == System.Text.Json.JsonValueKind.String ? outcome.GetString()! : Pending;
}

/// <summary>What a buyer saw of its order: when it was decided and how it ended.</summary>
/// <param name="Outcome">The saga's outcome (<see cref="OrderOutcomes"/>) at the last poll.</param>
/// <param name="Status">Where the order was on its timeline at the last poll.</param>
/// <param name="DecidedAt">First poll that saw the order leave Submitted (reserved or rejected), since the sale clock's start.</param>
/// <param name="SettledAt">First poll that saw it confirmed or cancelled.</param>
public sealed record OrderObservation(Guid OrderId, string Outcome, string Status, string? CancellationReason, decimal Total, TimeSpan? DecidedAt, TimeSpan? SettledAt)
{
    public bool Won => Outcome == OrderOutcomes.Confirmed;

    /// <summary>Cancelled before confirmation, because no stock was left for it.</summary>
    public bool SoldOut => Outcome == OrderOutcomes.Cancelled && CancellationReason == "OutOfStock";
}

/// <summary>Placing an order with an idempotency key and following it until it settles, as a storefront does.</summary>
public static class Orders
{
    /// <summary>POST /api/orders with one Idempotency-Key for every retry; null when the order was not accepted.</summary>
    public static async Task<(Guid? OrderId, decimal Total, Reply Reply)> PlaceAsync(ShopApi api, LoadStats stats, string token, Random random, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") };
        var reply = await api.WithRetriesAsync(
            () => api.Client.SendJsonAsync(stats, "place-order", HttpMethod.Post, "/api/orders", new { }, cancellationToken, token, headers,
                acceptable: status => status is 409 or 429),
            random, cancellationToken, retryConflicts: true).ConfigureAwait(false);
        if (reply.Status != 202)
        {
            return (null, 0, reply);
        }
        var json = reply.Json();
        return (json.GetProperty("orderId").GetGuid(), json.GetProperty("total").GetDecimal(), reply);
    }

    /// <summary>
    /// POST /api/orders/buy-now for one unit of <paramref name="productId"/>, one Idempotency-Key for every retry; null
    /// when no order was accepted (a 409 sold-out or purchase-limit answer among them: see <see cref="ShopApi.FinalConflict"/>).
    /// </summary>
    public static async Task<(Guid? OrderId, decimal Total, Reply Reply)> BuyNowAsync(ShopApi api, LoadStats stats, string token, string productId, Random random, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") };
        var reply = await api.WithRetriesAsync(
            () => api.Client.SendJsonAsync(stats, "buy-now", HttpMethod.Post, "/api/orders/buy-now", new { productId, quantity = 1 }, cancellationToken, token, headers,
                acceptable: status => status is 409 or 429),
            random, cancellationToken, retryConflicts: true).ConfigureAwait(false);
        if (reply.Status != 202)
        {
            return (null, 0, reply);
        }
        var json = reply.Json();
        return (json.GetProperty("orderId").GetGuid(), json.GetProperty("total").GetDecimal(), reply);
    }

    /// <summary>
    /// Polls GET /api/orders/{id} (50 ms, growing by 60% up to 1 s, like a storefront's status page) until the order settles or <paramref name="timeout"/>;
    /// <paramref name="clock"/> is the sale's clock, so decision and settle times are comparable across buyers.
    /// </summary>
    public static async Task<OrderObservation> FollowAsync(ShopApi api, LoadStats stats, string token, Guid orderId, decimal total,
        Func<TimeSpan> clock, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(50);
        TimeSpan? decided = null;
        var status = "Submitted";
        var outcome = OrderOutcomes.Pending;
        string? reason = null;
        while (deadline.Elapsed < timeout)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 1.6));
            var reply = await api.Client.GetAsync(stats, "poll-order", $"/api/orders/{orderId}", cancellationToken, token, acceptable: s => s == 429).ConfigureAwait(false);
            if (!reply.IsSuccess)
            {
                if (reply.Status == 429 && reply.RetryAfter is { } wait)
                {
                    delay = wait;
                }
                continue;
            }
            var json = reply.Json();
            status = json.GetProperty("status").GetString() ?? status;
            outcome = OrderOutcomes.Of(json);
            reason = json.TryGetProperty("cancellationReason", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String ? r.GetString() : null;
            if (status != "Submitted")
            {
                decided ??= clock();
            }
            if (OrderOutcomes.IsSettled(outcome))
            {
                return new OrderObservation(orderId, outcome, status, reason, total, decided, clock());
            }
        }
        return new OrderObservation(orderId, outcome, status, reason, total, decided, null);
    }
}
