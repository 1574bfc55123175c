using System.Text.Json.Serialization;

namespace Flipkart.Inventory.Domain;

/// <summary>
/// Inventory's view of one order: which lines it holds and where the hold stands. This record, written with ETag
/// compare-and-swap, is the arbiter between racing handlers: whichever moves it first (reserve, release, commit,
/// expire) decides, and the per-product operations that follow are idempotent per order.
/// </summary>
public sealed class OrderReservation
{
    public required Guid OrderId { get; init; }
    public string? UserId { get; init; }
    public decimal Amount { get; init; }
    public List<ReservationLine> Lines { get; init; } = [];
    public ReservationStatus Status { get; set; }
    public DateTimeOffset ExpiresAt { get; init; }
    public string? FailureReason { get; set; }
    public string? FailedProductId { get; set; }
    public string? ReleaseReason { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static OrderReservation Start(Guid orderId, string? userId, decimal amount, IEnumerable<ReservationLine> lines, DateTimeOffset expiresAt, DateTimeOffset now) => new()
    {
        OrderId = orderId,
        UserId = userId,
        Amount = amount,
        Lines = Normalize(lines),
        Status = ReservationStatus.Reserving,
        ExpiresAt = expiresAt,
        UpdatedAt = now,
    };

    /// <summary>A cancellation that overtook its order: nothing is held and nothing may be reserved later.</summary>
    public static OrderReservation Tombstone(Guid orderId, string reason, DateTimeOffset now) => new()
    {
        OrderId = orderId,
        Status = ReservationStatus.Released,
        ReleaseReason = reason,
        UpdatedAt = now,
    };

    /// <summary>Holds stock (or is about to) and so must be released, committed or expired eventually.</summary>
    [JsonIgnore]
    public bool IsHolding => Status is ReservationStatus.Reserving or ReservationStatus.Reserved;

    public void MarkReserved(DateTimeOffset now) => Move(ReservationStatus.Reserving, ReservationStatus.Reserved, now);

    public void MarkFailed(string productId, string reason, DateTimeOffset now)
    {
        Move(ReservationStatus.Reserving, ReservationStatus.Failed, now);
        FailedProductId = productId;
        FailureReason = reason;
    }

    public void MarkReleased(string reason, DateTimeOffset now)
    {
        if (!IsHolding)
        {
            throw new InventoryDomainException($"Order {OrderId} holds no stock to release ({Status}).");
        }
        Status = ReservationStatus.Released;
        ReleaseReason = reason;
        UpdatedAt = now;
    }

    public void MarkCommitted(DateTimeOffset now)
    {
        if (!IsHolding)
        {
            throw new InventoryDomainException($"Order {OrderId} holds no stock to commit ({Status}).");
        }
        Status = ReservationStatus.Committed;
        UpdatedAt = now;
    }

    public void MarkRestocked(string reason, DateTimeOffset now)
    {
        Move(ReservationStatus.Committed, ReservationStatus.Restocked, now);
        ReleaseReason = reason;
    }

    private void Move(ReservationStatus from, ReservationStatus to, DateTimeOffset now)
    {
        if (Status != from)
        {
            throw new InventoryDomainException($"Order {OrderId} cannot move from {Status} to {to}.");
        }
        Status = to;
        UpdatedAt = now;
    }

    // One line per product, in a fixed order, so every replica reserves the same way and quantities add up.
    private static List<ReservationLine> Normalize(IEnumerable<ReservationLine> lines)
    {
        var merged = lines
            .GroupBy(l => l.ProductId, StringComparer.Ordinal)
            .Select(g => new ReservationLine(g.Key, g.Sum(l => l.Quantity)))
            .OrderBy(l => l.ProductId, StringComparer.Ordinal)
            .ToList();
        if (merged.Count == 0 || merged.Any(l => l.Quantity <= 0 || string.IsNullOrWhiteSpace(l.ProductId)))
        {
            throw new InventoryDomainException("An order needs at least one line, each with a product and a positive quantity.");
        }
        return merged;
    }
}

public sealed record ReservationLine(string ProductId, int Quantity);

public enum ReservationStatus
{
    Reserving,
    Reserved,
    Failed,
    Released,
    Committed,

    /// <summary>Committed, then its sold units came back (a return, or a cancel after confirmation).</summary>
    Restocked,
}
