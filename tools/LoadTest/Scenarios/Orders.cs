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
/// <param name="Outcome">The saga's outcome (<see cref="OrderOutcomes"/>) at the last poll or stream event.</param>
/// <param name="Status">Where the order was on its timeline at the last poll or stream event.</param>
/// <param name="DecidedAt">First poll or stream event that saw the order leave Submitted (reserved or rejected), since the sale clock's start.</param>
/// <param name="SettledAt">First poll or stream event that saw it confirmed or cancelled.</param>
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

    /// <summary>The status a 202 for a placed order reports (Submitted, or StockReserved when its units were held at once).</summary>
    public static string? AcceptedStatus(Reply reply) =>
        reply.Status == 202 && reply.Json().TryGetProperty("status", out var status) && status.ValueKind == System.Text.Json.JsonValueKind.String ? status.GetString() : null;

    /// <summary>
    /// Follows the order until it settles or <paramref name="timeout"/>, as a storefront's status page does: over its
    /// server-sent events (<c>GET /api/orders/{id}/events</c>, answered by notification) when <paramref name="follow"/> says so,
    /// falling back to polling if the stream cannot be opened or ends first; otherwise by polling GET /api/orders/{id}
    /// (50 ms, growing by 60% up to 1 s). <paramref name="clock"/> is the sale's clock, so decision and settle times are
    /// comparable across buyers.
    /// </summary>
    public static async Task<OrderObservation> FollowAsync(ShopApi api, LoadStats stats, string token, Guid orderId, decimal total,
        Func<TimeSpan> clock, TimeSpan timeout, CancellationToken cancellationToken, OrderFollow follow = OrderFollow.Poll, string? acceptedStatus = null)
    {
        var deadline = Stopwatch.StartNew();
        var seen = new Progress();
        if (acceptedStatus is not null)
        {
            // A buy-now whose units inventory held before the commit is decided by its 202 (status StockReserved).
            seen.Saw(acceptedStatus, StreamOutcome(acceptedStatus), null, clock);
        }
        if (follow == OrderFollow.Stream)
        {
            if (await StreamAsync(api, stats, token, orderId, seen, clock, timeout, cancellationToken).ConfigureAwait(false))
            {
                return seen.Observation(orderId, total, clock());
            }
            stats.Count(StreamFallbacks);
        }

        var delay = TimeSpan.FromMilliseconds(50);
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
            var reason = json.TryGetProperty("cancellationReason", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String ? r.GetString() : null;
            seen.Saw(json.GetProperty("status").GetString() ?? seen.Status, OrderOutcomes.Of(json), reason, clock);
            if (OrderOutcomes.IsSettled(seen.Outcome))
            {
                return seen.Observation(orderId, total, clock());
            }
        }
        return seen.Observation(orderId, total, null);
    }

    /// <summary>Counter of the streams that ended or failed before their order settled (the buyer then polled).</summary>
    public const string StreamFallbacks = "stream fallbacks";

    /// <summary>Reads the order's status events until it settles (true), or the stream fails or ends first (false).</summary>
    private static async Task<bool> StreamAsync(ShopApi api, LoadStats stats, string token, Guid orderId, Progress seen,
        Func<TimeSpan> clock, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await api.Client.OpenStreamAsync(stats, "order-stream", $"/api/orders/{orderId}/events", token, limit.Token).ConfigureAwait(false);
            if (response is null)
            {
                return false;
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false));
            while (await reader.ReadLineAsync(limit.Token).ConfigureAwait(false) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue; // event names, ids, heartbeats, the blank line between events
                }
                using var data = System.Text.Json.JsonDocument.Parse(line.AsMemory("data: ".Length));
                var status = data.RootElement.GetProperty("status").GetString() ?? seen.Status;
                var reason = data.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String ? r.GetString() : null;
                seen.Saw(status, StreamOutcome(status), reason, clock);
                if (OrderOutcomes.IsSettled(seen.Outcome))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The settle timeout: the polling that follows gives up at once too.
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            // The stream dropped or sent something unreadable: polling takes over.
        }
        return false;
    }

    /// <summary>
    /// The saga's outcome as notification's stream reports it: its statuses run Submitted → StockReserved → Paid →
    /// Confirmed, or Cancelled; the parcel's statuses after Confirmed (which the stream may show without Confirmed when
    /// fulfilment's event arrived first) mean the order was confirmed.
    /// </summary>
    public static string StreamOutcome(string status) => status switch
    {
        "Submitted" or "StockReserved" or "Paid" => OrderOutcomes.Pending,
        "Cancelled" => OrderOutcomes.Cancelled,
        _ => OrderOutcomes.Confirmed,
    };

    /// <summary>What the buyer has seen so far of its order.</summary>
    private sealed class Progress
    {
        public string Status { get; private set; } = "Submitted";
        public string Outcome { get; private set; } = OrderOutcomes.Pending;
        private string? reason;
        private TimeSpan? decided;

        public void Saw(string status, string outcome, string? cancellationReason, Func<TimeSpan> clock)
        {
            (Status, Outcome, reason) = (status, outcome, cancellationReason);
            if (status != "Submitted")
            {
                decided ??= clock();
            }
        }

        public OrderObservation Observation(Guid orderId, decimal total, TimeSpan? settledAt) =>
            new(orderId, Outcome, Status, reason, total, decided, settledAt);
    }
}

/// <summary>How a buyer learns what became of its order.</summary>
public enum OrderFollow
{
    /// <summary>GET /api/orders/{id} again and again.</summary>
    Poll,

    /// <summary>The order's server-sent events (what the storefront's status page does), polling if the stream drops.</summary>
    Stream,
}
