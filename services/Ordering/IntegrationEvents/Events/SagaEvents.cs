namespace Flipkart.Ordering.IntegrationEvents.Events;

// Ordering's own copies of the events it consumes (topics `inventory` and `payments`).

public sealed record StockReserved(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, decimal Amount, DateTimeOffset ExpiresAt)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record StockReservationFailed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? ProductId, string? Reason)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record PaymentSucceeded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string PaymentId, decimal Amount)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record PaymentFailed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? Reason)
    : IntegrationEvent(EventId, OccurredAt);
