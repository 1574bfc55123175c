using System.Text.Json.Serialization;

namespace Flipkart.Inventory.Domain;

/// <summary>
/// One product's stock. Units move available → reserved (per order) → sold, or back to available on release.
/// <see cref="Received"/> counts every unit ever put on the shelf (initial stock and restocks), so
/// available + reserved + sold = received holds after every operation.
/// </summary>
public sealed class StockItem
{
    // Enough history to audit recent restocks without letting the document grow without bound.
    private const int KeptAdjustments = 50;

    public required string ProductId { get; init; }
    public int Available { get; set; }
    public int Reserved { get; set; }
    public int Sold { get; set; }
    public long Received { get; set; }

    /// <summary>Most units one user may hold and buy of this product (null: no cap).</summary>
    public int? PerUserLimit { get; set; }
    public Dictionary<Guid, StockReservation> Reservations { get; init; } = [];
    public List<StockAdjustment> Adjustments { get; init; } = [];

    [JsonIgnore]
    public bool IsSoldOut => Available == 0;

    [JsonIgnore]
    public bool IsConserved =>
        Available >= 0 && Reserved >= 0 && Sold >= 0
        && Available + Reserved + Sold == Received
        && Reserved == Reservations.Values.Sum(r => r.Quantity);

    public static StockItem Create(string productId) => new() { ProductId = productId };

    /// <summary>Sets the units on the shelf (restock or correction); the difference is recorded as received.</summary>
    public void SetAvailable(int available, DateTimeOffset now)
    {
        if (available < 0)
        {
            throw new InventoryDomainException("Available stock cannot be negative.");
        }

        var delta = available - Available;
        if (delta == 0)
        {
            return;
        }
        Available = available;
        Received += delta;
        Adjustments.Add(new StockAdjustment(now, delta, available));
        if (Adjustments.Count > KeptAdjustments)
        {
            Adjustments.RemoveRange(0, Adjustments.Count - KeptAdjustments);
        }
    }

    /// <summary>Holds units for an order. Reserving again for the same order changes nothing (duplicate delivery).</summary>
    public ReserveOutcome Reserve(Guid orderId, int quantity, DateTimeOffset expiresAt)
    {
        if (quantity <= 0)
        {
            throw new InventoryDomainException("Reserved quantity must be positive.");
        }
        if (Reservations.ContainsKey(orderId))
        {
            return ReserveOutcome.AlreadyReserved;
        }
        if (Available < quantity)
        {
            return ReserveOutcome.OutOfStock;
        }

        Available -= quantity;
        Reserved += quantity;
        Reservations[orderId] = new StockReservation(quantity, expiresAt);
        return ReserveOutcome.Reserved;
    }

    /// <summary>Returns an order's units to the shelf; false when it holds none (already released or committed).</summary>
    public bool Release(Guid orderId)
    {
        if (!Reservations.Remove(orderId, out var reservation))
        {
            return false;
        }
        Reserved -= reservation.Quantity;
        Available += reservation.Quantity;
        return true;
    }

    /// <summary>Turns an order's reserved units into sold ones; false when it holds none (already committed or released).</summary>
    public bool Commit(Guid orderId)
    {
        if (!Reservations.Remove(orderId, out var reservation))
        {
            return false;
        }
        Reserved -= reservation.Quantity;
        Sold += reservation.Quantity;
        return true;
    }

    /// <summary>Orders whose hold lapsed before <paramref name="cutoff"/>.</summary>
    public IReadOnlyList<Guid> ExpiredBefore(DateTimeOffset cutoff) =>
        [.. Reservations.Where(r => r.Value.ExpiresAt < cutoff).Select(r => r.Key)];
}

public sealed record StockReservation(int Quantity, DateTimeOffset ExpiresAt);

public sealed record StockAdjustment(DateTimeOffset At, int Delta, int AvailableAfter);

public enum ReserveOutcome
{
    Reserved,
    AlreadyReserved,
    OutOfStock,
    UnknownProduct,
}

public sealed class InventoryDomainException(string message) : Exception(message);
