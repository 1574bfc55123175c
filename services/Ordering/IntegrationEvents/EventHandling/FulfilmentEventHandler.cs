using System.Globalization;
using Flipkart.Ordering.Domain;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.IntegrationEvents.EventHandling;

/// <summary>
/// Puts the parcel's steps on the order's timeline. Idempotent and order-insensitive: the order only moves forward
/// (see <see cref="FulfilmentStages"/>), so a duplicate or overtaken event changes nothing. ShipmentCancelled cancels
/// the order (its OrderCancelled refunds and restocks), which the cancel request normally did already: the event is
/// the guarantee when that request died between fulfilment's decision and ordering's.
/// </summary>
public sealed class FulfilmentEventHandler(OrderService orders) :
    IIntegrationEventHandler<OrderPacked>,
    IIntegrationEventHandler<OrderShipped>,
    IIntegrationEventHandler<ShipmentScanned>,
    IIntegrationEventHandler<DeliveryDelayed>,
    IIntegrationEventHandler<OrderDelivered>,
    IIntegrationEventHandler<ShipmentCancelled>,
    IIntegrationEventHandler<ReturnRequested>,
    IIntegrationEventHandler<ReturnPickedUp>,
    IIntegrationEventHandler<ReturnRefunded>,
    IIntegrationEventHandler<ReturnRejected>,
    IIntegrationEventHandler<ReturnLapsed>
{
    public Task HandleAsync(OrderPacked @event, CancellationToken cancellationToken) =>
        MoveAsync(@event.OrderId, OrderStatus.Packed, @event.OccurredAt, null, cancellationToken);

    public Task HandleAsync(OrderShipped @event, CancellationToken cancellationToken) =>
        orders.ApplyAsync(@event.OrderId, (order, _) => order.OnFulfilment(OrderStatus.Shipped, @event.OccurredAt, $"tracking {@event.TrackingNumber}",
            trackingNumber: @event.TrackingNumber), cancellationToken);

    // Only out-for-delivery is a status of its own; the other in-transit scans are the courier's business.
    public Task HandleAsync(ShipmentScanned @event, CancellationToken cancellationToken) => @event.Scan == "out-for-delivery"
        ? MoveAsync(@event.OrderId, OrderStatus.OutForDelivery, @event.OccurredAt, null, cancellationToken)
        : Task.CompletedTask;

    public Task HandleAsync(DeliveryDelayed @event, CancellationToken cancellationToken) =>
        orders.ApplyAsync(@event.OrderId, (order, _) => order.OnDeliveryDelayed(@event.OccurredAt,
            $"delivery delayed past {@event.PromisedBy.ToString("u", CultureInfo.InvariantCulture)}"), cancellationToken);

    public Task HandleAsync(OrderDelivered @event, CancellationToken cancellationToken) =>
        orders.ApplyAsync(@event.OrderId, (order, _) => order.OnFulfilment(OrderStatus.Delivered, @event.DeliveredAt,
            $"returnable until {@event.ReturnWindowEndsAt.ToString("u", CultureInfo.InvariantCulture)}", returnWindowEndsAt: @event.ReturnWindowEndsAt), cancellationToken);

    public Task HandleAsync(ShipmentCancelled @event, CancellationToken cancellationToken) =>
        orders.ApplyAsync(@event.OrderId, (order, now) => FulfilmentStages.IsBeforeHandOver(order.Status) && order.CancelByUser(now, fulfilmentAgreed: true),
            cancellationToken);

    public Task HandleAsync(ReturnRequested @event, CancellationToken cancellationToken) =>
        MoveAsync(@event.OrderId, OrderStatus.ReturnRequested, @event.OccurredAt, @event.Reason, cancellationToken);

    public Task HandleAsync(ReturnPickedUp @event, CancellationToken cancellationToken) =>
        MoveAsync(@event.OrderId, OrderStatus.PickedUp, @event.OccurredAt, null, cancellationToken);

    public Task HandleAsync(ReturnRefunded @event, CancellationToken cancellationToken) =>
        MoveAsync(@event.OrderId, OrderStatus.Refunded, @event.OccurredAt, $"{@event.Amount.ToString(CultureInfo.InvariantCulture)} refunded ({@event.RefundId})", cancellationToken);

    public Task HandleAsync(ReturnRejected @event, CancellationToken cancellationToken) =>
        MoveAsync(@event.OrderId, OrderStatus.ReturnRejected, @event.OccurredAt, @event.Reason, cancellationToken);

    public Task HandleAsync(ReturnLapsed @event, CancellationToken cancellationToken) =>
        MoveAsync(@event.OrderId, OrderStatus.ReturnLapsed, @event.OccurredAt, "not picked up in time", cancellationToken);

    private Task MoveAsync(Guid orderId, OrderStatus stage, DateTimeOffset at, string? detail, CancellationToken cancellationToken) =>
        orders.ApplyAsync(orderId, (order, _) => order.OnFulfilment(stage, at, detail), cancellationToken);
}
