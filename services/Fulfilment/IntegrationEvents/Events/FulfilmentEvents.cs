using Flipkart.ServiceDefaults;

namespace Flipkart.Fulfilment.IntegrationEvents.Events;

// Published on topic `fulfilment`, one event per step of an order's parcel; the record name is the CloudEvent type.
// Ids derive from the order and the step (FulfilmentEventIds), so a retried activity republishes the same event and
// consumers see a duplicate, not a second step.

public sealed record OrderPacked(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderShipped(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string TrackingNumber, DateTimeOffset PromisedBy)
    : IntegrationEvent(EventId, OccurredAt);

/// <summary>An informational courier scan between hand-over and delivery (<c>shipped</c>, <c>out-for-delivery</c>).</summary>
public sealed record ShipmentScanned(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string Scan)
    : IntegrationEvent(EventId, OccurredAt);

/// <summary>The delivery promise passed without a delivered scan: the customer is told once, support is alerted.</summary>
public sealed record DeliveryDelayed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, DateTimeOffset PromisedBy)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record DeliveryLost(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderDelivered(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, DateTimeOffset DeliveredAt, DateTimeOffset ReturnWindowEndsAt)
    : IntegrationEvent(EventId, OccurredAt);

/// <summary>The customer cancelled before hand-over; ordering cancels the order (OrderCancelled refunds and restocks).</summary>
public sealed record ShipmentCancelled(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRequested(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string Reason, DateTimeOffset PickupBy)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnPickedUp(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRefunded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, decimal Amount, string RefundId, int UnitsRestocked)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRejected(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string Reason)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnLapsed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId)
    : IntegrationEvent(EventId, OccurredAt);

public static class FulfilmentEventIds
{
    /// <summary>The one <paramref name="eventType"/> (with <paramref name="qualifier"/>, e.g. the scan) fulfilment emits about an order.</summary>
    public static Guid For(Guid orderId, string eventType, string? qualifier = null) =>
        IntegrationEvent.DeterministicId(AppIds.Fulfilment, orderId, qualifier is null ? eventType : $"{eventType}/{qualifier}");
}

// Fulfilment's own copy of the ordering event it consumes, naming only what it reads.

public sealed record OrderConfirmed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, decimal Total, IReadOnlyList<OrderConfirmedLine> Lines)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderConfirmedLine(string ProductId, int Quantity);
