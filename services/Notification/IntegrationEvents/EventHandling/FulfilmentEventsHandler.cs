using System.Globalization;
using Flipkart.Notification.Domain;
using Flipkart.Notification.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.IntegrationEvents.EventHandling;

/// <summary>
/// Records each step of the parcel for the order's live status stream and tells the owner of it, once per (order, kind),
/// as the saga's events do. A delay is told, not a step; packing is not told (ordering's timeline shows it).
/// </summary>
public sealed class FulfilmentEventsHandler(OrderActivity activity) :
    IIntegrationEventHandler<OrderShipped>,
    IIntegrationEventHandler<ShipmentScanned>,
    IIntegrationEventHandler<DeliveryDelayed>,
    IIntegrationEventHandler<DeliveryLost>,
    IIntegrationEventHandler<OrderDelivered>,
    IIntegrationEventHandler<ReturnRequested>,
    IIntegrationEventHandler<ReturnPickedUp>,
    IIntegrationEventHandler<ReturnRefunded>,
    IIntegrationEventHandler<ReturnRejected>,
    IIntegrationEventHandler<ReturnLapsed>
{
    public Task HandleAsync(OrderShipped @event, CancellationToken cancellationToken) =>
        StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.Shipped, NotificationKind.OrderShipped, "shipped",
            $"Your parcel is with the courier (tracking {@event.TrackingNumber}), due by {Day(@event.PromisedBy)}.", cancellationToken);

    // The other in-transit scans are the courier's business; out-for-delivery is worth a message.
    public Task HandleAsync(ShipmentScanned @event, CancellationToken cancellationToken) => @event.Scan == "out-for-delivery"
        ? StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.OutForDelivery, NotificationKind.OutForDelivery, "out for delivery", "Your parcel arrives today.", cancellationToken)
        : Task.CompletedTask;

    public Task HandleAsync(DeliveryDelayed @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.DeliveryDelayed, "delayed",
            $"Your parcel was due by {Day(@event.PromisedBy)} and is running late. We are on it with the courier.", cancellationToken);

    public Task HandleAsync(DeliveryLost @event, CancellationToken cancellationToken) =>
        StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.Lost, NotificationKind.DeliveryLost, "lost in transit",
            "The courier could not deliver your parcel. Customer support will contact you about a refund or a replacement.", cancellationToken);

    public Task HandleAsync(OrderDelivered @event, CancellationToken cancellationToken) =>
        StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.Delivered, NotificationKind.OrderDelivered, "delivered",
            $"Delivered. Not what you wanted? Return it until {Day(@event.ReturnWindowEndsAt)}.", cancellationToken, returnWindowEndsAt: @event.ReturnWindowEndsAt);

    public Task HandleAsync(ReturnRequested @event, CancellationToken cancellationToken) =>
        StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.ReturnRequested, NotificationKind.ReturnRequested, "return booked",
            $"The courier collects your return by {Day(@event.PickupBy)}.", cancellationToken);

    public Task HandleAsync(ReturnPickedUp @event, CancellationToken cancellationToken) =>
        StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.PickedUp, NotificationKind.ReturnPickedUp, "return picked up",
            "Your return is on its way to our warehouse for inspection.", cancellationToken);

    public Task HandleAsync(ReturnRefunded @event, CancellationToken cancellationToken) =>
        StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.Refunded, NotificationKind.ReturnRefunded, "return accepted",
            $"Your return passed inspection; {OrderActivity.Rupees(@event.Amount)} is refunded.", cancellationToken);

    public Task HandleAsync(ReturnRejected @event, CancellationToken cancellationToken) =>
        StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.ReturnRejected, NotificationKind.ReturnRejected, "return rejected",
            $"Your return did not pass inspection: {@event.Reason}. The item is sent back to you.", cancellationToken, reason: @event.Reason);

    public Task HandleAsync(ReturnLapsed @event, CancellationToken cancellationToken) =>
        StepAsync(@event, @event.UserId, @event.OrderId, OrderStatus.ReturnLapsed, NotificationKind.ReturnLapsed, "return lapsed",
            "The courier could not collect your return in time, so the return was closed. Contact support to book a new one.", cancellationToken);

    /// <summary>A step of the parcel's way: recorded for the order's live status stream, then told to the owner.</summary>
    private async Task StepAsync(IntegrationEvent @event, string userId, Guid orderId, OrderStatus status, NotificationKind kind, string what, string message,
        CancellationToken cancellationToken, string? reason = null, DateTimeOffset? returnWindowEndsAt = null)
    {
        await activity.TrackAsync(orderId, status, userId, reason, @event.OccurredAt, cancellationToken, returnWindowEndsAt);
        await NotifyAsync(userId, orderId, kind, what, message, cancellationToken);
    }

    private Task NotifyAsync(string userId, Guid orderId, NotificationKind kind, string what, string message, CancellationToken cancellationToken) =>
        activity.NotifyAsync(userId, orderId, kind, $"Order {OrderActivity.Short(orderId)} {what}", message, cancellationToken);

    private static string Day(DateTimeOffset at) => at.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
}
