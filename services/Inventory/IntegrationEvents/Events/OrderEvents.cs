using Flipkart.ServiceDefaults;

namespace Flipkart.Inventory.IntegrationEvents.Events;

// Inventory's own copies of the ordering events it consumes, naming only what it reads.

/// <summary>An order without <c>reservationExpiresAt</c> is held for <see cref="InventoryOptions.ReservationTimeout"/>.</summary>
public sealed record OrderSubmitted(
    Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, IReadOnlyList<OrderLine> Lines, decimal Total, DateTimeOffset ReservationExpiresAt = default)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderConfirmed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId) : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderCancelled(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? Reason = null) : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderLine(string ProductId, int Quantity);
