using Flipkart.ServiceDefaults;

namespace Flipkart.Payment.IntegrationEvents.Events;

// Published on topic `payments` through the payment-store outbox; the record name is the CloudEvent type.

public sealed record PaymentSucceeded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string PaymentId, decimal Amount)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record PaymentFailed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string Reason)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record PaymentRefunded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string PaymentId, decimal Amount, string? UserId)
    : IntegrationEvent(EventId, OccurredAt);

// Payment's own copies of the events it consumes.

public sealed record StockReserved(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, decimal Amount, DateTimeOffset ExpiresAt)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderCancelled(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, string? Reason)
    : IntegrationEvent(EventId, OccurredAt);
