using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.Payment.Services;

namespace Flipkart.Payment.IntegrationEvents.EventHandling;

public interface IIntegrationEventHandler<in TEvent> where TEvent : IntegrationEvent
{
    Task HandleAsync(TEvent @event, CancellationToken cancellationToken);
}

/// <summary>Charges a freshly reserved order; a duplicate delivery finds the stored decision and does nothing.</summary>
public sealed class StockReservedHandler(PaymentProcessor processor) : IIntegrationEventHandler<StockReserved>
{
    public Task HandleAsync(StockReserved @event, CancellationToken cancellationToken) => processor.ChargeAsync(@event, cancellationToken);
}

/// <summary>Refunds a charged order once, or voids an uncharged one.</summary>
public sealed class OrderCancelledHandler(PaymentProcessor processor) : IIntegrationEventHandler<OrderCancelled>
{
    public Task HandleAsync(OrderCancelled @event, CancellationToken cancellationToken) => processor.HandleOrderCancelledAsync(@event, cancellationToken);
}
