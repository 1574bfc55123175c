using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Services;

/// <summary>
/// Runs the order's state changes: load with ETag → apply the domain transition → compare-and-swap the order → publish
/// the event of its new state through the outbox (<see cref="DaprState{T}.TryCommitAsync"/>); an ETag conflict reloads
/// and reapplies (bounded retries), a failing store or broker is an outage (see <see cref="DaprState{T}"/>). Only the
/// writer that won the order's compare-and-swap publishes, so no store (Redis has no rollback) lets a losing writer's
/// event out. The order carries everything its event is rebuilt from (<see cref="AnnouncedEvent"/>), so an event lost
/// between the two steps (a crash, a broker outage) is re-emitted on the order's next touch: the redelivered saga
/// event, the user's retry, or the reservation reminder, which fires for every order and re-arms while this fails.
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

    /// <summary>A new order, not stored yet: submitted now, its reservation expiring after the configured timeout.</summary>
    public Order Submit(Guid orderId, string userId, IReadOnlyList<OrderLine> lines, string? deliveryAddress, string checkout) =>
        Order.Submit(orderId, userId, lines, time.GetUtcNow(), options.CurrentValue.ReservationTimeout, deliveryAddress, checkout);

    /// <summary>Creates the order, or returns it unchanged when a previous attempt with the same id already did.</summary>
    public async Task<Order> PlaceAsync(Order order, CancellationToken cancellationToken)
    {
        var userId = order.UserId;
        // Index entry and timer (in parallel), then the order + OrderSubmitted: whatever a crash leaves behind before
        // the last step is harmless (a dangling index entry is skipped, a timer for a missing order does nothing).
        await Task.WhenAll(
            userOrders.AddAsync(userId, order.Id, order.CreatedAt, concurrencyRetry, cancellationToken),
            reservationTimer.ScheduleAsync(order.Id, order.ReservationExpiresAt, cancellationToken));

        if (!await orders.TryCreateAsync(order, SubmittedEvent(order), cancellationToken))
        {
            // A create can only lose to an earlier attempt of this very order (if it is final by now, its event may be
            // what a crash left unpublished).
            var (existing, _) = await orders.GetAsync(order.Id, cancellationToken);
            if (existing?.UserId != userId)
            {
                throw new InvalidOperationException($"Order id {order.Id} already belongs to another user.");
            }
            await EnsureAnnouncedAsync(existing, cancellationToken);
            return existing;
        }
        logger.LogInformation("Order {OrderId} submitted for {Total} with {Lines} lines ({Status})", order.Id, order.Total, order.Lines.Count, order.Status);
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
    /// does not exist. A transition that changes nothing (duplicate or late event) writes nothing, but re-emits the
    /// order's event if an earlier change stopped before publishing it.
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
            if (!transition(order, time.GetUtcNow()))
            {
                return (order, null, null);
            }
            movedFrom = before;
            // Only final states are announced; StockReserved is ordering's private bookkeeping.
            return (order, order, order.IsFinal ? AnnouncedEvent(order) : null);
        }, concurrencyRetry, cancellationToken);

        if (movedFrom is { } from)
        {
            logger.LogInformation("Order {OrderId} moved from {From} to {To}", orderId, from, result!.Status);
        }
        else if (result is not null)
        {
            await EnsureAnnouncedAsync(result, cancellationToken);
        }
        return result;
    }

    public Task<Order?> ExpireReservationAsync(Guid orderId, CancellationToken cancellationToken) =>
        ApplyAsync(orderId, (order, now) => order.OnReservationTimeout(now), cancellationToken);

    /// <summary>
    /// The event the order's current state announces, rebuilt from the order alone (same id, same content, the time
    /// of the transition as its time): OrderSubmitted while Submitted, OrderConfirmed or OrderCancelled once final,
    /// none in between (StockReserved and Paid are ordering's own bookkeeping).
    /// </summary>
    public static IntegrationEvent? AnnouncedEvent(Order order)
    {
        var at = order.Timeline.Count > 0 ? order.Timeline[^1].At : order.CreatedAt;
        return order.Status switch
        {
            OrderStatus.Submitted => SubmittedEvent(order),
            OrderStatus.Confirmed => new OrderConfirmed(
                EventId(order.Id, nameof(OrderConfirmed)), at, order.Id, order.UserId, order.Total, EventLines(order), order.Checkout),
            OrderStatus.Cancelled => new OrderCancelled(
                EventId(order.Id, nameof(OrderCancelled)), at, order.Id, order.UserId,
                order.CancellationReason?.ToString() ?? nameof(CancellationReason.CancelledByUser), EventLines(order)),
            _ => null,
        };
    }

    // Re-emission of a final order's event unless its outbox transaction already committed. OrderSubmitted needs none:
    // it is committed in the order's creating transaction, so an order that exists has handed it over.
    private async Task EnsureAnnouncedAsync(Order order, CancellationToken cancellationToken)
    {
        if (order.IsFinal && AnnouncedEvent(order) is { } @event && await orders.EnsurePublishedAsync(order.Id, @event, cancellationToken))
        {
            logger.LogWarning("Order {OrderId}: {EventType} had not been published after its {Status} commit; re-emitted", order.Id, @event.Type, order.Status);
        }
    }

    // The one event of each kind an order emits: a retried transaction repeats its id.
    private static Guid EventId(Guid orderId, string eventType) => IntegrationEvent.DeterministicId(AppIds.Ordering, orderId, eventType);

    private static OrderSubmitted SubmittedEvent(Order order) => new(
        EventId(order.Id, nameof(OrderSubmitted)), order.CreatedAt, order.Id, order.UserId,
        [.. order.Lines.Select(l => new OrderSubmittedLine(l.ProductId, l.Quantity, l.UnitPrice, l.Title))],
        order.Total, order.ReservationExpiresAt, order.Checkout);

    private static IReadOnlyList<OrderEventLine> EventLines(Order order) => [.. order.Lines.Select(l => new OrderEventLine(l.ProductId, l.Quantity))];
}
