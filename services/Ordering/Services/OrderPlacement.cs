using System.Text.Json;
using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Services;

/// <summary>The 202 body of a placed order.</summary>
public sealed record OrderAccepted(Guid OrderId, OrderStatus Status, decimal Total, DateTimeOffset ReservationExpiresAt);

/// <summary>
/// The answer to a placement: the 202 with the order, the answer stored for its Idempotency-Key, or a refusal given
/// before anything was claimed or written (<see cref="Refused"/>).
/// </summary>
public sealed record PlacementAnswer(int StatusCode, string Body, string? Location, bool Replayed)
{
    /// <summary>The problem to answer instead of <see cref="Body"/>, when the placement was refused up front.</summary>
    public ServiceDefaults.ProblemException? Refusal { get; init; }

    /// <summary>Refused without a throw: the gate's sold-out answer is a flash sale's most common one.</summary>
    public static PlacementAnswer Refused(ServiceDefaults.ProblemException refusal) =>
        new(refusal.StatusCode, "", null, Replayed: false) { Refusal = refusal };
}

/// <summary>
/// Places orders: checkout of the caller's cart and buy-now of one product, each priced by catalog and wrapped in the
/// Idempotency-Key protocol — claim the key (or replay its answer, or refuse), find the order a previous attempt with
/// this key already committed or place it, record the answer; after any failure free the key so the client may retry.
/// </summary>
public sealed class OrderPlacement(
    IdempotentRequests idempotency,
    OrderService orders,
    CartClient cart,
    CatalogClient catalog,
    BuyNowGate gate,
    InventoryHoldClient holds,
    TimeProvider time,
    IOptionsMonitor<OrderingOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    /// <summary>Turns the caller's cart into an order (lines from the cart, prices from catalog).</summary>
    public Task<PlacementAnswer> CheckoutCartAsync(string userId, string idempotencyKey, string fingerprint, string? deliveryAddress, CancellationToken cancellationToken) =>
        PlaceIdempotentlyAsync(userId, idempotencyKey, fingerprint, async (orderId, token) =>
        {
            var items = await cart.GetItemsAsync(userId, token);
            if (items.Count == 0)
            {
                throw new ServiceDefaults.RuleViolationException("Cart is empty", "Add products to the cart before checking out.");
            }

            var productIds = items.Select(i => i.ProductId).Distinct(StringComparer.Ordinal).ToList();
            var prices = await catalog.GetPricesAsync(productIds, token);
            var unavailable = productIds.Where(id => !prices.ContainsKey(id)).ToList();
            if (unavailable.Count > 0)
            {
                throw new ServiceDefaults.RuleViolationException("Products unavailable", $"No longer sold: {string.Join(", ", unavailable)}. Remove them from the cart.");
            }

            var lines = items
                .GroupBy(i => i.ProductId, StringComparer.Ordinal)
                .Select(g => new OrderLine(g.Key, prices[g.Key].Title, prices[g.Key].Price, g.Sum(i => i.Quantity)))
                .ToList();
            return await orders.PlaceAsync(orders.Submit(orderId, userId, lines, deliveryAddress, CheckoutKind.Cart), token);
        }, cancellationToken);

    /// <summary>
    /// One product straight to an order, the flash-sale path. The gate answers first from memory, so the common case of
    /// a sale — no stock left — costs one point read (the Idempotency-Key, whose replay must win), no write, no order and
    /// no saga. Everyone the gate lets through has their units held by inventory before the order is committed, so the
    /// 202 already says StockReserved and a buyer inventory refuses gets the 409 with no order made; when inventory
    /// gives no answer in time the order is committed unheld and the saga reserves it, as for a cart checkout.
    /// </summary>
    public async Task<PlacementAnswer> BuyNowAsync(
        string userId, string idempotencyKey, string fingerprint, string productId, int quantity, string? deliveryAddress, CancellationToken cancellationToken)
    {
        var (decision, availability) = await gate.CheckAsync(productId, quantity, cancellationToken);
        if (decision != GateDecision.Proceed)
        {
            ServiceDefaults.ProblemException refusal = decision switch
            {
                GateDecision.SoldOut => new SoldOutException(productId),
                GateDecision.OverPurchaseLimit => new PurchaseLimitExceededException(productId, availability!.PerUserLimit!.Value),
                _ => new ProductNotFoundException(productId),
            };
            // An Idempotency-Key replay wins over every other answer: the retry of a purchase that went through (its
            // 202 lost on the way) gets its order back, not "sold out" by its own order. A key never seen costs one
            // read; a known one goes through the key protocol, which replays the answer or finds the order a previous
            // attempt committed, and otherwise refuses as the gate did.
            if (!await idempotency.IsKnownAsync(userId, idempotencyKey, cancellationToken))
            {
                return PlacementAnswer.Refused(refusal);
            }
            return await PlaceIdempotentlyAsync(userId, idempotencyKey, fingerprint, (_, _) => throw refusal, cancellationToken);
        }

        return await PlaceIdempotentlyAsync(userId, idempotencyKey, fingerprint, async (orderId, token) =>
        {
            var prices = await catalog.GetPricesAsync([productId], token);
            if (!prices.TryGetValue(productId, out var price))
            {
                throw new ProductNotFoundException(productId);
            }
            var order = orders.Submit(orderId, userId, [new OrderLine(productId, price.Title, price.Price, quantity)], deliveryAddress, CheckoutKind.BuyNow);
            await HoldAsync(order, quantity, availability?.PerUserLimit, token);
            return await orders.PlaceAsync(order, token);
        }, cancellationToken);
    }

    // Inventory holds the units before the order exists, so a refusal makes no order at all. A hold whose order never
    // commits (a crash, a store outage) lapses at the order's expiry: inventory's sweep finds no order and releases it.
    private async Task HoldAsync(Order order, int quantity, int? knownPerUserLimit, CancellationToken cancellationToken)
    {
        var timeout = options.CurrentValue.BuyNowHoldTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            return;
        }
        var productId = order.Lines[0].ProductId;
        switch (await holds.HoldAsync(order, timeout, cancellationToken))
        {
            case StockHold.Held:
                order.OnStockReserved(time.GetUtcNow());
                return;
            case StockHold.Refused { Reason: var reason } when Order.CancellationReasonFor(reason) == CancellationReason.PurchaseLimitExceeded:
                throw new PurchaseLimitExceededException(productId, knownPerUserLimit);
            case StockHold.Refused { Reason: Order.UnknownProductReason }:
                throw new ProductNotFoundException(productId);
            case StockHold.Refused:
                if (quantity == 1)
                {
                    gate.RecordSoldOut(productId);
                }
                throw new SoldOutException(productId);
            case StockHold.Lapsed:
                throw new ServiceDefaults.ConflictException("Reservation lapsed",
                    "This Idempotency-Key's order was never completed and its hold has lapsed. Buy again with a new Idempotency-Key.");
            default:
                return; // no answer: committed unheld, the saga reserves it from OrderSubmitted
        }
    }

    private async Task<PlacementAnswer> PlaceIdempotentlyAsync(
        string userId, string idempotencyKey, string fingerprint, Func<Guid, CancellationToken, Task<Order>> place, CancellationToken cancellationToken)
    {
        var claim = await idempotency.ClaimAsync(userId, idempotencyKey, fingerprint, cancellationToken);
        switch (claim)
        {
            case IdempotentRequests.Replay { Record: var record }:
                return new PlacementAnswer(record.StatusCode ?? StatusCodes.Status202Accepted, record.ResponseBody ?? "", record.Location, Replayed: true);
            case IdempotentRequests.Rejected { Outcome: IdempotencyOutcome.FingerprintMismatch }:
                throw new IdempotencyKeyReusedException();
            case IdempotentRequests.Rejected:
                throw new RequestInProgressException();
        }

        var owned = (IdempotentRequests.Owned)claim;
        try
        {
            var orderId = OrderService.OrderIdFor(userId, idempotencyKey);
            // A previous attempt with this key may have committed the order and died before recording its answer.
            var order = await orders.GetAsync(orderId, cancellationToken) is { } existing && existing.UserId == userId
                ? existing
                : await place(orderId, cancellationToken);
            var location = $"/api/orders/{order.Id}";
            var body = JsonSerializer.Serialize(new OrderAccepted(order.Id, order.Status, order.Total, order.ReservationExpiresAt), json.Value.SerializerOptions);
            // The order exists now; record the answer even if the client has gone, so its retry gets a replay.
            await idempotency.CompleteAsync(owned, StatusCodes.Status202Accepted, body, location, CancellationToken.None);
            return new PlacementAnswer(StatusCodes.Status202Accepted, body, location, Replayed: false);
        }
        catch
        {
            // Only successes are remembered: after any failure the client may retry with the same key.
            await idempotency.ReleaseAsync(owned, CancellationToken.None);
            throw;
        }
    }
}
