using Flipkart.Notification.Domain;
using Flipkart.Notification.IntegrationEvents.Events;

namespace Flipkart.Notification.IntegrationEvents.EventHandling;

public sealed class OrderSubmittedHandler(OrderActivity activity)
{
    public Task HandleAsync(OrderSubmitted @event, CancellationToken cancellationToken) =>
        activity.TrackAsync(@event.OrderId, OrderStatus.Submitted, @event.UserId, null, @event.OccurredAt, cancellationToken);
}

public sealed class StockReservedHandler(OrderActivity activity)
{
    public Task HandleAsync(StockReserved @event, CancellationToken cancellationToken) =>
        activity.TrackAsync(@event.OrderId, OrderStatus.StockReserved, @event.UserId, null, @event.OccurredAt, cancellationToken);
}

public sealed class PaymentSucceededHandler(OrderActivity activity)
{
    public Task HandleAsync(PaymentSucceeded @event, CancellationToken cancellationToken) =>
        activity.TrackAsync(@event.OrderId, OrderStatus.Paid, null, null, @event.OccurredAt, cancellationToken);
}

public sealed class OrderConfirmedHandler(OrderActivity activity)
{
    public async Task HandleAsync(OrderConfirmed @event, CancellationToken cancellationToken)
    {
        await activity.TrackAsync(@event.OrderId, OrderStatus.Confirmed, @event.UserId, null, @event.OccurredAt, cancellationToken);
        await activity.NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.OrderConfirmed,
            $"Order {OrderActivity.Short(@event.OrderId)} confirmed",
            $"Your order of {OrderActivity.Rupees(@event.Total)} is confirmed and will be packed soon.", cancellationToken);
    }
}

public sealed class OrderCancelledHandler(OrderActivity activity)
{
    public async Task HandleAsync(OrderCancelled @event, CancellationToken cancellationToken)
    {
        await activity.TrackAsync(@event.OrderId, OrderStatus.Cancelled, @event.UserId, @event.Reason, @event.OccurredAt, cancellationToken);
        await activity.NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.OrderCancelled,
            $"Order {OrderActivity.Short(@event.OrderId)} cancelled",
            $"Your order was cancelled ({Describe(@event.Reason)}).", cancellationToken);
    }

    private static string Describe(string? reason) => reason switch
    {
        "OutOfStock" => "an item went out of stock",
        "PaymentFailed" => "the payment did not go through",
        "ReservationExpired" => "payment was not completed in time",
        "CancelledByUser" => "you cancelled it",
        _ => reason ?? "no reason given",
    };
}

public sealed class PaymentRefundedHandler(OrderActivity activity)
{
    public Task HandleAsync(PaymentRefunded @event, CancellationToken cancellationToken) =>
        activity.NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.PaymentRefunded,
            $"Refund for order {OrderActivity.Short(@event.OrderId)}",
            $"{OrderActivity.Rupees(@event.Amount)} is on its way back to your account.", cancellationToken);
}
