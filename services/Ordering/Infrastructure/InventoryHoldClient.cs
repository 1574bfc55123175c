using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.Ordering.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>What inventory said when asked to hold an order's units before the order is committed.</summary>
public abstract record StockHold
{
    /// <summary>The units are the buyer's until the order's reservation expires.</summary>
    public sealed record Held : StockHold;

    /// <summary>Inventory refused (its StockReservationFailed reason, e.g. <c>out of stock</c>); nothing is held.</summary>
    public sealed record Refused(string Reason, string? ProductId) : StockHold;

    /// <summary>This order id's hold was already settled (released, or lapsed before this retry): nothing is held for it.</summary>
    public sealed record Lapsed : StockHold;

    /// <summary>No usable answer in time (inventory down, slow, or older than this endpoint): the saga reserves instead.</summary>
    public sealed record NoAnswer(string Why) : StockHold;
}

/// <summary>
/// Asks inventory (<c>POST /internal/reservations/{orderId}</c>, service invocation) to hold an order's units now, so
/// a buy-now buyer learns the outcome from the 202 instead of following the saga. Idempotent by order id on
/// inventory's side; inventory publishes nothing for it — the order's OrderSubmitted, once committed, announces the
/// outcome there.
/// </summary>
public sealed class InventoryHoldClient(IHttpClientFactory clients, TimeProvider time, ILogger<InventoryHoldClient> logger)
{
    public async Task<StockHold> HoldAsync(Order order, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var request = new HoldRequest(order.UserId, order.Total, order.ReservationExpiresAt, [.. order.Lines.Select(l => new HoldLine(l.ProductId, l.Quantity))]);
        try
        {
            using var response = await clients.CreateClient(AppIds.Inventory)
                .PostAsJsonAsync($"internal/reservations/{order.Id}", request, TolerantJson.Options, limit.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("Inventory answered {Status} to the hold of order {OrderId}; the saga reserves it", (int)response.StatusCode, order.Id);
                return new StockHold.NoAnswer($"inventory answered {(int)response.StatusCode}");
            }
            var answer = await response.Content.ReadFromJsonAsync<HoldAnswer>(TolerantJson.Options, limit.Token);
            return answer switch
            {
                { Status: "Reserved" } when answer.ExpiresAt > time.GetUtcNow() => new StockHold.Held(),
                { Status: "Failed" } => new StockHold.Refused(answer.Reason ?? "", answer.ProductId),
                { Status: "Reserved" or "Released" or "Committed" or "Restocked" } => new StockHold.Lapsed(),
                _ => new StockHold.NoAnswer("inventory answered an unreadable hold"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Inventory did not answer the hold of order {OrderId} within {Timeout}; the saga reserves it", order.Id, timeout);
            return new StockHold.NoAnswer("timeout");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            logger.LogWarning(ex, "The hold of order {OrderId} failed; the saga reserves it", order.Id);
            return new StockHold.NoAnswer(ex.GetType().Name);
        }
    }

    private sealed record HoldLine(string ProductId, int Quantity);

    private sealed record HoldRequest(string UserId, decimal Total, DateTimeOffset ExpiresAt, IReadOnlyList<HoldLine> Lines);

    private sealed record HoldAnswer(string? Status, DateTimeOffset ExpiresAt, string? Reason, string? ProductId);
}
