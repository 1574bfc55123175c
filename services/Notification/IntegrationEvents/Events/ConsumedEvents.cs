using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.IntegrationEvents.Events;

// Notification's own copies of the events it consumes, naming only what it reads. An event that does not name the
// order's owner is still useful: the owner learnt from the order's other events stands in.

public sealed record OrderSubmitted(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId = null) : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderConfirmed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, decimal Total, string? UserId = null) : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderCancelled(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId = null, string? Reason = null)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record StockReserved(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId = null) : IntegrationEvent(EventId, OccurredAt);

public sealed record PaymentSucceeded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId) : IntegrationEvent(EventId, OccurredAt);

public sealed record PaymentRefunded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, decimal Amount, string? UserId = null) : IntegrationEvent(EventId, OccurredAt);
