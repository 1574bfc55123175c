using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.IntegrationEvents.Events;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Flipkart.Ordering.Services;

/// <summary>Thrown when an order cannot be placed for a reason the client can act on (422).</summary>
public sealed class OrderRejectedException(string title, string detail) : Exception(detail)
{
    public string Title { get; } = title;
}

/// <summary>
/// Runs the order's state changes: load with ETag → apply the domain transition → save the order and its event in
/// one outbox transaction; an ETag conflict reloads and reapplies (bounded retries).
/// </summary>
public sealed class OrderService(
    OrderRepository orders,
    UserOrderIndex userOrders,
    IReservationTimer reservationTimer,
    TimeProvider time,
    IOptionsMonitor<OrderingOptions> options,
    ILogger<OrderService> logger)
{
    private readonly ResiliencePipeline concurrencyRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<ConcurrencyConflictException>(),
            MaxRetryAttempts = options.CurrentValue.ConcurrencyRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(10),
            MaxDelay = TimeSpan.FromMilliseconds(500),
        })
        .Build();

    /// <summary>
    /// The id of the order a checkout creates, derived from the user and their Idempotency-Key. A retry after a crash
    /// that struck between committing the order and recording the response therefore finds the same order instead of
    /// creating a second one.
    /// </summary>
    public static Guid OrderIdFor(string userId, string idempotencyKey)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"order\n{userId}\n{idempotencyKey}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>Creates the order, or returns it unchanged when a previous attempt with the same id already did.</summary>
    public async Task<Order> PlaceAsync(
        Guid orderId, string userId, IReadOnlyList<OrderLine> lines, string? deliveryAddress, string checkout, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var order = Order.Submit(orderId, userId, lines, now, options.CurrentValue.ReservationTimeout, deliveryAddress, checkout);

        // Index entry and timer (in parallel), then the order + OrderSubmitted: whatever a crash leaves behind before
        // the last step is harmless (a dangling index entry is skipped, a timer for a missing order does nothing).
        var indexed = concurrencyRetry.ExecuteAsync(async token =>
        {
            if (!await userOrders.TryAddAsync(userId, order.Id, order.CreatedAt, token))
            {
                throw new ConcurrencyConflictException($"Order index of a user changed concurrently while adding {order.Id}.");
            }
        }, cancellationToken).AsTask();
        await Task.WhenAll(indexed, reservationTimer.ScheduleAsync(order.Id, order.ReservationExpiresAt, cancellationToken));

        if (!await orders.TrySaveAsync(order, etag: null, SubmittedEvent(order), cancellationToken))
        {
            // A create can only conflict with an earlier attempt of this very order. If there is none, the refusal
            // was the store or the outbox's broker failing (daprd reports both as Internal, like an ETag mismatch):
            // nothing was committed, and the caller may retry with the same Idempotency-Key.
            var (existing, _) = await orders.GetAsync(order.Id, cancellationToken);
            if (existing is null)
            {
                throw new DependencyFailedException("The order could not be stored right now (order store or broker unavailable); nothing was saved. Retry with the same Idempotency-Key.");
            }
            return existing.UserId == userId
                ? existing
                : throw new InvalidOperationException($"Order id {order.Id} already belongs to another user.");
        }
        logger.LogInformation("Order {OrderId} submitted for {Total} with {Lines} lines", order.Id, order.Total, order.Lines.Count);
        return order;
    }

    public async Task<Order?> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        (await orders.GetAsync(orderId, cancellationToken)).Order;

    /// <summary>
    /// Applies a transition with optimistic concurrency. Returns the order as stored afterwards, or null when it
    /// does not exist. A transition that changes nothing (duplicate or late event) writes nothing.
    /// </summary>
    public async Task<Order?> ApplyAsync(Guid orderId, Func<Order, DateTimeOffset, bool> transition, CancellationToken cancellationToken) =>
        await concurrencyRetry.ExecuteAsync(async token =>
        {
            var (order, etag) = await orders.GetAsync(orderId, token);
            if (order is null)
            {
                return null;
            }

            var before = order.Status;
            var now = time.GetUtcNow();
            if (!transition(order, now))
            {
                return order;
            }

            var @event = EventFor(order, now);
            if (!await orders.TrySaveAsync(order, etag, @event, token))
            {
                // daprd reports a failing store or outbox broker like an ETag mismatch. If the order still carries the
                // ETag we wrote against, nobody else changed it: reloading and retrying cannot help, so this is an
                // outage (503 for the user, a retried delivery for a saga event), not a conflict.
                var (_, current) = await orders.GetAsync(orderId, token);
                if (current == etag)
                {
                    throw new DependencyFailedException($"Order {orderId} could not be updated right now (order store or broker unavailable); nothing was saved.");
                }
                throw new ConcurrencyConflictException($"Order {orderId} changed concurrently.");
            }
            logger.LogInformation("Order {OrderId} moved from {From} to {To}", orderId, before, order.Status);
            return order;
        }, cancellationToken);

    public Task<Order?> ExpireReservationAsync(Guid orderId, CancellationToken cancellationToken) =>
        ApplyAsync(orderId, (order, now) => order.OnReservationTimeout(now), cancellationToken);

    private static OrderSubmitted SubmittedEvent(Order order) => new(
        IntegrationEvent.DeterministicId(order.Id, nameof(OrderSubmitted)), order.CreatedAt, order.Id, order.UserId,
        [.. order.Lines.Select(l => new OrderSubmittedLine(l.ProductId, l.Quantity, l.UnitPrice, l.Title))],
        order.Total, order.ReservationExpiresAt, order.Checkout);

    // Only the final states are announced; StockReserved is ordering's private bookkeeping.
    private static IntegrationEvent? EventFor(Order order, DateTimeOffset now) => order.Status switch
    {
        OrderStatus.Confirmed => new OrderConfirmed(
            IntegrationEvent.DeterministicId(order.Id, nameof(OrderConfirmed)), now, order.Id, order.UserId, order.Total, EventLines(order), order.Checkout),
        OrderStatus.Cancelled => new OrderCancelled(
            IntegrationEvent.DeterministicId(order.Id, nameof(OrderCancelled)), now, order.Id, order.UserId,
            order.CancellationReason?.ToString() ?? nameof(CancellationReason.CancelledByUser), EventLines(order)),
        _ => null,
    };

    private static IReadOnlyList<OrderEventLine> EventLines(Order order) => [.. order.Lines.Select(l => new OrderEventLine(l.ProductId, l.Quantity))];
}
