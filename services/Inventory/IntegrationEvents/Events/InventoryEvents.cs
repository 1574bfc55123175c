using Flipkart.ServiceDefaults;

namespace Flipkart.Inventory.IntegrationEvents.Events;

/// <summary>
/// Events inventory publishes on the <c>inventory</c> topic, one outcome per order; the record's name travels as the
/// CloudEvent type. The event id is derived from (order, type), so a republished outcome carries the same id and
/// consumers that deduplicate by event id see one event.
/// </summary>
public abstract record InventoryEvent(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId) : IntegrationEvent(EventId, OccurredAt)
{
    public static Guid IdFor(string type, Guid orderId) => DeterministicId(AppIds.Inventory, orderId, type);
}

public sealed record StockReserved(Guid OrderId, string UserId, decimal Amount, DateTimeOffset ExpiresAt, DateTimeOffset OccurredAt)
    : InventoryEvent(IdFor(nameof(StockReserved), OrderId), OccurredAt, OrderId);

public sealed record StockReservationFailed(Guid OrderId, string ProductId, string Reason, DateTimeOffset OccurredAt)
    : InventoryEvent(IdFor(nameof(StockReservationFailed), OrderId), OccurredAt, OrderId);

public sealed record StockReleased(Guid OrderId, string Reason, DateTimeOffset OccurredAt)
    : InventoryEvent(IdFor(nameof(StockReleased), OrderId), OccurredAt, OrderId);
