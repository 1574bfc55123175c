using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.IntegrationEvents.Events;

// Ordering's own copies of fulfilment's events (topic `fulfilment`), naming only what the order's timeline shows.

public sealed record OrderPacked(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId) : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderShipped(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string TrackingNumber) : IntegrationEvent(EventId, OccurredAt);

public sealed record ShipmentScanned(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string Scan) : IntegrationEvent(EventId, OccurredAt);

public sealed record DeliveryDelayed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, DateTimeOffset PromisedBy) : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderDelivered(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, DateTimeOffset DeliveredAt, DateTimeOffset ReturnWindowEndsAt)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record ShipmentCancelled(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId) : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRequested(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string Reason, DateTimeOffset PickupBy) : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnPickedUp(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId) : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRefunded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, decimal Amount, string RefundId) : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnRejected(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string Reason) : IntegrationEvent(EventId, OccurredAt);

public sealed record ReturnLapsed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId) : IntegrationEvent(EventId, OccurredAt);
