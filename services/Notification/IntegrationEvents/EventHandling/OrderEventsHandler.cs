using Flipkart.Notification.Domain;
using Flipkart.Notification.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.IntegrationEvents.EventHandling;

/// <summary>
/// Every saga event moves the order's tracked status (and wakes its open streams); the final ones and a refund also
/// notify the owner, once per (order, kind).
/// </summary>
public sealed class OrderEventsHandler(OrderActivity activity) :
    IIntegrationEventHandler<OrderSubmitted>,
    IIntegrationEventHandler<StockReserved>,
    IIntegrationEventHandler<PaymentSucceeded>,
    IIntegrationEventHandler<OrderConfirmed>,
    IIntegrationEventHandler<OrderCancelled>,
    IIntegrationEventHandler<PaymentRefunded>
{
    public Task HandleAsync(OrderSubmitted @event, CancellationToken cancellationToken) =>
        activity.TrackAsync(@event.OrderId, OrderStatus.Submitted, @event.UserId, null, @event.OccurredAt, cancellationToken);

    public Task HandleAsync(StockReserved @event, CancellationToken cancellationToken) =>
        activity.TrackAsync(@event.OrderId, OrderStatus.StockReserved, @event.UserId, null, @event.OccurredAt, cancellationToken);

    public Task HandleAsync(PaymentSucceeded @event, CancellationToken cancellationToken) =>
        activity.TrackAsync(@event.OrderId, OrderStatus.Paid, null, null, @event.OccurredAt, cancellationToken);

    public async Task HandleAsync(OrderConfirmed @event, CancellationToken cancellationToken)
    {
        await activity.TrackAsync(@event.OrderId, OrderStatus.Confirmed, @event.UserId, null, @event.OccurredAt, cancellationToken);
        await activity.NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.OrderConfirmed,
            $"Order {OrderActivity.Short(@event.OrderId)} confirmed",
            $"Your order of {OrderActivity.Rupees(@event.Total)} is confirmed and will be packed soon.", cancellationToken);
    }

    public async Task HandleAsync(OrderCancelled @event, CancellationToken cancellationToken)
    {
        await activity.TrackAsync(@event.OrderId, OrderStatus.Cancelled, @event.UserId, @event.Reason, @event.OccurredAt, cancellationToken);
        await activity.NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.OrderCancelled,
            $"Order {OrderActivity.Short(@event.OrderId)} cancelled",
            $"Your order was cancelled ({Describe(@event.Reason)}).", cancellationToken);
    }

    public Task HandleAsync(PaymentRefunded @event, CancellationToken cancellationToken) =>
        activity.NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.PaymentRefunded,
            $"Refund for order {OrderActivity.Short(@event.OrderId)}",
            $"{OrderActivity.Rupees(@event.Amount)} is on its way back to your account.", cancellationToken);

    private static string Describe(string? reason) => reason switch
    {
        "OutOfStock" => "an item went out of stock",
        "PaymentFailed" => "the payment did not go through",
        "ReservationExpired" => "payment was not completed in time",
        "CancelledByUser" => "you cancelled it",
        _ => reason ?? "no reason given",
    };
}
