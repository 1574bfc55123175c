using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.Ordering.Services;

namespace Flipkart.Ordering.IntegrationEvents.EventHandling;

/// <summary>Handles one consumed event. Handlers are idempotent: the order state machine ignores duplicates and late events.</summary>
public interface IIntegrationEventHandler<in TEvent> where TEvent : IntegrationEvent
{
    Task HandleAsync(TEvent @event, CancellationToken cancellationToken);
}

public sealed class StockReservedHandler(OrderService orders, ILogger<StockReservedHandler> logger) : IIntegrationEventHandler<StockReserved>
{
    public async Task HandleAsync(StockReserved @event, CancellationToken cancellationToken)
    {
        var order = await orders.ApplyAsync(@event.OrderId, (o, now) => o.OnStockReserved(now), cancellationToken);
        SagaLog.UnknownOrder(logger, order, @event);
    }
}

public sealed class StockReservationFailedHandler(OrderService orders, ILogger<StockReservationFailedHandler> logger) : IIntegrationEventHandler<StockReservationFailed>
{
    public async Task HandleAsync(StockReservationFailed @event, CancellationToken cancellationToken)
    {
        var order = await orders.ApplyAsync(@event.OrderId, (o, now) => o.OnStockReservationFailed(now, @event.Reason, @event.ProductId), cancellationToken);
        SagaLog.UnknownOrder(logger, order, @event);
    }
}

public sealed class PaymentSucceededHandler(OrderService orders, ILogger<PaymentSucceededHandler> logger) : IIntegrationEventHandler<PaymentSucceeded>
{
    public async Task HandleAsync(PaymentSucceeded @event, CancellationToken cancellationToken)
    {
        var order = await orders.ApplyAsync(@event.OrderId, (o, now) => o.OnPaymentSucceeded(@event.PaymentId, now), cancellationToken);
        SagaLog.UnknownOrder(logger, order, @event);
    }
}

public sealed class PaymentFailedHandler(OrderService orders, ILogger<PaymentFailedHandler> logger) : IIntegrationEventHandler<PaymentFailed>
{
    public async Task HandleAsync(PaymentFailed @event, CancellationToken cancellationToken)
    {
        var order = await orders.ApplyAsync(@event.OrderId, (o, now) => o.OnPaymentFailed(now, @event.Reason), cancellationToken);
        SagaLog.UnknownOrder(logger, order, @event);
    }
}

internal static class SagaLog
{
    // An event for an order ordering never stored cannot be acted on; it is acknowledged so it is not redelivered forever.
    public static void UnknownOrder(ILogger logger, Domain.Order? order, IntegrationEvent @event)
    {
        if (order is null)
        {
            logger.LogWarning("Ignoring {EventType} {EventId} for an unknown order", @event.GetType().Name, @event.EventId);
        }
    }
}
