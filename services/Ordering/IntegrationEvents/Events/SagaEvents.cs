using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.IntegrationEvents.Events;

// Ordering's own copies of the events it consumes (topics `inventory` and `payments`), naming only what it reads.

public sealed record StockReserved(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record StockReservationFailed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? ProductId = null, string? Reason = null)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record PaymentSucceeded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string PaymentId)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record PaymentFailed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? Reason = null)
    : IntegrationEvent(EventId, OccurredAt);
