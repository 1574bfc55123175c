using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.IntegrationEvents.Events;

// Notification's copies of fulfilment's events (topic `fulfilment`); each names the order's owner.

public sealed record OrderShipped(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string TrackingNumber, DateTimeOffset PromisedBy)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ShipmentScanned(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string Scan) : IntegrationEvent(EventId, OccurredAt);

public sealed record DeliveryDelayed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, DateTimeOffset PromisedBy) : IntegrationEvent(EventId, OccurredAt);

public sealed record DeliveryLost(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId) : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderDelivered(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, DateTimeOffset DeliveredAt, DateTimeOffset ReturnWindowEndsAt)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRequested(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string Reason, DateTimeOffset PickupBy)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnPickedUp(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId) : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRefunded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, decimal Amount) : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRejected(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string Reason) : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnLapsed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId) : IntegrationEvent(EventId, OccurredAt);
