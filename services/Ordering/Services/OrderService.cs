using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Services;

/// <summary>
/// Runs the order's state changes: load with ETag → apply the domain transition → save the order and its event in
/// one outbox transaction; an ETag conflict reloads and reapplies (bounded retries), a failing store or broker is
/// an outage (see <see cref="DaprState{T}"/>).
/// </summary>
public sealed class OrderService(
    OrderRepository orders,
    UserOrderIndex userOrders,
    IReservationTimer reservationTimer,
    TimeProvider time,
    IOptionsMonitor<OrderingOptions> options,
    ILogger<OrderService> logger)
{
    private readonly ConcurrencyRetry concurrencyRetry = ConcurrencyRetry.Attempts(options.CurrentValue.ConcurrencyRetries);

    /// <summary>
    /// The id of the order a checkout creates, derived from the user and their Idempotency-Key. A retry after a crash
    /// that struck between committing the order and recording the response therefore finds the same order instead of
    /// creating a second one.
    /// </summary>
    public static Guid OrderIdFor(string userId, string idempotencyKey) => DeterministicGuid.From($"order\n{userId}\n{idempotencyKey}");

    /// <summary>Creates the order, or returns it unchanged when a previous attempt with the same id already did.</summary>
    public async Task<Order> PlaceAsync(
        Guid orderId, string userId, IReadOnlyList<OrderLine> lines, string? deliveryAddress, string checkout, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var order = Order.Submit(orderId, userId, lines, now, options.CurrentValue.ReservationTimeout, deliveryAddress, checkout);

        // Index entry and timer (in parallel), then the order + OrderSubmitted: whatever a crash leaves behind before
        // the last step is harmless (a dangling index entry is skipped, a timer for a missing order does nothing).
        await Task.WhenAll(
            userOrders.AddAsync(userId, order.Id, order.CreatedAt, concurrencyRetry, cancellationToken),
            reservationTimer.ScheduleAsync(order.Id, order.ReservationExpiresAt, cancellationToken));

        if (!await orders.TryCreateAsync(order, SubmittedEvent(order), cancellationToken))
        {
            // A create can only lose to an earlier attempt of this very order.
            var (existing, _) = await orders.GetAsync(order.Id, cancellationToken);
            return existing?.UserId == userId
                ? existing
                : throw new InvalidOperationException($"Order id {order.Id} already belongs to another user.");
        }
        logger.LogInformation("Order {OrderId} submitted for {Total} with {Lines} lines", order.Id, order.Total, order.Lines.Count);
        return order;
    }

    public async Task<Order?> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        (await orders.GetAsync(orderId, cancellationToken)).Value;

    /// <summary>One page of the user's orders, newest first, and how many they have in all.</summary>
    public async Task<(IReadOnlyList<Order> Orders, int TotalCount)> GetPageAsync(string userId, int page, int pageSize, CancellationToken cancellationToken)
    {
        var index = await userOrders.GetAsync(userId, cancellationToken);
        var ids = index.OrderByDescending(e => e.CreatedAt).Skip((page - 1) * pageSize).Take(pageSize).Select(e => e.OrderId).ToList();
        var found = await orders.GetManyAsync(ids, cancellationToken);
        return ([.. found.Where(o => o.UserId == userId).OrderByDescending(o => o.CreatedAt)], index.Count);
    }

    /// <summary>
    /// Applies a transition with optimistic concurrency. Returns the order as stored afterwards, or null when it
    /// does not exist. A transition that changes nothing (duplicate or late event) writes nothing.
    /// </summary>
    public async Task<Order?> ApplyAsync(Guid orderId, Func<Order, DateTimeOffset, bool> transition, CancellationToken cancellationToken)
    {
        OrderStatus? movedFrom = null;
        var result = await orders.UpdateAsync(orderId, order =>
        {
            movedFrom = null;
            if (order is null)
            {
                return (null, null, null);
            }
            var before = order.Status;
            var now = time.GetUtcNow();
            if (!transition(order, now))
            {
                return (order, null, null);
            }
            movedFrom = before;
            return (order, order, EventFor(order, now));
        }, concurrencyRetry, cancellationToken);

        if (movedFrom is { } from)
        {
            logger.LogInformation("Order {OrderId} moved from {From} to {To}", orderId, from, result!.Status);
        }
        return result;
    }

    public Task<Order?> ExpireReservationAsync(Guid orderId, CancellationToken cancellationToken) =>
        ApplyAsync(orderId, (order, now) => order.OnReservationTimeout(now), cancellationToken);

    // The one event of each kind an order emits: a retried transaction repeats its id.
    private static Guid EventId(Guid orderId, string eventType) => IntegrationEvent.DeterministicId(AppIds.Ordering, orderId, eventType);

    private static OrderSubmitted SubmittedEvent(Order order) => new(
        EventId(order.Id, nameof(OrderSubmitted)), order.CreatedAt, order.Id, order.UserId,
        [.. order.Lines.Select(l => new OrderSubmittedLine(l.ProductId, l.Quantity, l.UnitPrice, l.Title))],
        order.Total, order.ReservationExpiresAt, order.Checkout);

    // Only the final states are announced; StockReserved is ordering's private bookkeeping.
    private static IntegrationEvent? EventFor(Order order, DateTimeOffset now) => order.Status switch
    {
        OrderStatus.Confirmed => new OrderConfirmed(
            EventId(order.Id, nameof(OrderConfirmed)), now, order.Id, order.UserId, order.Total, EventLines(order), order.Checkout),
        OrderStatus.Cancelled => new OrderCancelled(
            EventId(order.Id, nameof(OrderCancelled)), now, order.Id, order.UserId,
            order.CancellationReason?.ToString() ?? nameof(CancellationReason.CancelledByUser), EventLines(order)),
        _ => null,
    };

    private static IReadOnlyList<OrderEventLine> EventLines(Order order) => [.. order.Lines.Select(l => new OrderEventLine(l.ProductId, l.Quantity))];
}
