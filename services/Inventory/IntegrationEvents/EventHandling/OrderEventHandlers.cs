using Flipkart.Inventory.Domain;
using Flipkart.Inventory.IntegrationEvents.Events;

namespace Flipkart.Inventory.IntegrationEvents.EventHandling;

public sealed class OrderSubmittedHandler(ReservationCoordinator coordinator)
{
    public Task HandleAsync(OrderSubmitted @event, CancellationToken cancellationToken) => coordinator.ReserveAsync(@event, cancellationToken);
}

public sealed class OrderConfirmedHandler(ReservationCoordinator coordinator)
{
    public Task HandleAsync(OrderConfirmed @event, CancellationToken cancellationToken) => coordinator.CommitAsync(@event.OrderId, cancellationToken);
}

public sealed class OrderCancelledHandler(ReservationCoordinator coordinator)
{
    public Task HandleAsync(OrderCancelled @event, CancellationToken cancellationToken) => coordinator.ReleaseAsync(@event.OrderId, @event.Reason ?? "OrderCancelled", cancellationToken);
}
