using Flipkart.Ordering.Domain;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.IntegrationEvents.EventHandling;

/// <summary>
/// Moves an order along the saga as inventory and payment report back. Idempotent: the order's state machine ignores
/// duplicates and late events, and an event for an order ordering never stored is acknowledged, not retried forever.
/// </summary>
public sealed class SagaEventHandler(OrderService orders, ILogger<SagaEventHandler> logger) :
    IIntegrationEventHandler<StockReserved>,
    IIntegrationEventHandler<StockReservationFailed>,
    IIntegrationEventHandler<PaymentSucceeded>,
    IIntegrationEventHandler<PaymentFailed>
{
    public Task HandleAsync(StockReserved @event, CancellationToken cancellationToken) =>
        ApplyAsync(@event, @event.OrderId, (order, now) => order.OnStockReserved(now), cancellationToken);

    public Task HandleAsync(StockReservationFailed @event, CancellationToken cancellationToken) =>
        ApplyAsync(@event, @event.OrderId, (order, now) => order.OnStockReservationFailed(now, @event.Reason, @event.ProductId), cancellationToken);

    public Task HandleAsync(PaymentSucceeded @event, CancellationToken cancellationToken) =>
        ApplyAsync(@event, @event.OrderId, (order, now) => order.OnPaymentSucceeded(@event.PaymentId, now), cancellationToken);

    public Task HandleAsync(PaymentFailed @event, CancellationToken cancellationToken) =>
        ApplyAsync(@event, @event.OrderId, (order, now) => order.OnPaymentFailed(now, @event.Reason), cancellationToken);

    private async Task ApplyAsync(IntegrationEvent @event, Guid orderId, Func<Order, DateTimeOffset, bool> transition, CancellationToken cancellationToken)
    {
        if (await orders.ApplyAsync(orderId, transition, cancellationToken) is null)
        {
            logger.LogWarning("Ignoring {EventType} {EventId} for an unknown order {OrderId}", @event.Type, @event.EventId, orderId);
        }
    }
}
