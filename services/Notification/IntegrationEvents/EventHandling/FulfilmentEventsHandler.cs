using System.Globalization;
using Flipkart.Notification.Domain;
using Flipkart.Notification.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.IntegrationEvents.EventHandling;

/// <summary>Tells the owner of each step of the parcel, once per (order, kind), as the saga's events do.</summary>
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
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.OrderShipped, "shipped",
            $"Your parcel is with the courier (tracking {@event.TrackingNumber}), due by {Day(@event.PromisedBy)}.", cancellationToken);

    // The other in-transit scans are the courier's business; out-for-delivery is worth a message.
    public Task HandleAsync(ShipmentScanned @event, CancellationToken cancellationToken) => @event.Scan == "out-for-delivery"
        ? NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.OutForDelivery, "out for delivery", "Your parcel arrives today.", cancellationToken)
        : Task.CompletedTask;

    public Task HandleAsync(DeliveryDelayed @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.DeliveryDelayed, "delayed",
            $"Your parcel was due by {Day(@event.PromisedBy)} and is running late. We are on it with the courier.", cancellationToken);

    public Task HandleAsync(DeliveryLost @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.DeliveryLost, "lost in transit",
            "The courier could not deliver your parcel. Customer support will contact you about a refund or a replacement.", cancellationToken);

    public Task HandleAsync(OrderDelivered @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.OrderDelivered, "delivered",
            $"Delivered. Not what you wanted? Return it until {Day(@event.ReturnWindowEndsAt)}.", cancellationToken);

    public Task HandleAsync(ReturnRequested @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.ReturnRequested, "return booked",
            $"The courier collects your return by {Day(@event.PickupBy)}.", cancellationToken);

    public Task HandleAsync(ReturnPickedUp @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.ReturnPickedUp, "return picked up",
            "Your return is on its way to our warehouse for inspection.", cancellationToken);

    public Task HandleAsync(ReturnRefunded @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.ReturnRefunded, "return accepted",
            $"Your return passed inspection; {OrderActivity.Rupees(@event.Amount)} is refunded.", cancellationToken);

    public Task HandleAsync(ReturnRejected @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.ReturnRejected, "return rejected",
            $"Your return did not pass inspection: {@event.Reason}. The item is sent back to you.", cancellationToken);

    public Task HandleAsync(ReturnLapsed @event, CancellationToken cancellationToken) =>
        NotifyAsync(@event.UserId, @event.OrderId, NotificationKind.ReturnLapsed, "return lapsed",
            "The courier could not collect your return in time, so the return was closed. Contact support to book a new one.", cancellationToken);

    private Task NotifyAsync(string userId, Guid orderId, NotificationKind kind, string what, string message, CancellationToken cancellationToken) =>
        activity.NotifyAsync(userId, orderId, kind, $"Order {OrderActivity.Short(orderId)} {what}", message, cancellationToken);

    private static string Day(DateTimeOffset at) => at.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
}
