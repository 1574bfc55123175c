using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Flipkart.Inventory.IntegrationEvents.Events;

/// <summary>
/// Events inventory publishes on the <c>inventory</c> topic; the record's name travels as the CloudEvent type.
/// The event id is derived from (type, order) so a republished outcome carries the same id and consumers that
/// dedupe by event id see one event.
/// </summary>
public abstract record InventoryEvent(Guid OrderId, DateTimeOffset OccurredAt)
{
    public Guid EventId => IdFor(GetType().Name, OrderId);

    [JsonIgnore]
    public string Type => GetType().Name;

    public static Guid IdFor(string type, Guid orderId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"inventory:{type}:{orderId:N}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}

public sealed record StockReserved(Guid OrderId, string UserId, decimal Amount, DateTimeOffset ExpiresAt, DateTimeOffset OccurredAt) : InventoryEvent(OrderId, OccurredAt);

public sealed record StockReservationFailed(Guid OrderId, string ProductId, string Reason, DateTimeOffset OccurredAt) : InventoryEvent(OrderId, OccurredAt);

public sealed record StockReleased(Guid OrderId, string Reason, DateTimeOffset OccurredAt) : InventoryEvent(OrderId, OccurredAt);
