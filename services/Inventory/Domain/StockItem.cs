using System.Text.Json.Serialization;

namespace Flipkart.Inventory.Domain;

/// <summary>
/// One product's stock. Units move available → reserved (per order) → sold, or back to available on release.
/// <see cref="Received"/> counts every unit ever put on the shelf (initial stock and restocks), so
/// available + reserved + sold = received holds after every operation. An optional per-user cap
/// (<see cref="PerUserLimit"/>) bounds what one user may hold and buy: a release gives the units back to the
/// user's allowance, a sale does not.
/// </summary>
public sealed partial class StockItem
{
    // Enough history to audit recent restocks without letting the document grow without bound.
    private const int KeptAdjustments = 50;

    public const int MaxPerUserLimit = 100;

    /// <summary>
    /// How long past an order's hold expiry a bucket remembers passing it over. By then ordering has cancelled or
    /// confirmed the order, so no walk of it comes back; the bound keeps a bucket's document from growing for ever.
    /// </summary>
    public static readonly TimeSpan PassRetention = TimeSpan.FromHours(1);

    public required string ProductId { get; init; }
    public int Available { get; set; }
    public int Reserved { get; set; }
    public int Sold { get; set; }
    public long Received { get; set; }

    /// <summary>Most units one user may hold and buy of this product (null: no cap).</summary>
    public int? PerUserLimit { get; set; }

    /// <summary>
    /// Units each user bought while a cap was in force. Only kept under a cap, so an uncapped best seller's
    /// document does not grow with every buyer; purchases made while no cap applied do not count against a later one.
    /// </summary>
    public Dictionary<string, int> SoldToUser { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<Guid, StockReservation> Reservations { get; init; } = [];

    /// <summary>Units sold and then put back on the shelf (a return, or a cancel after confirmation); part of <see cref="Available"/>.</summary>
    public int Restocked { get; set; }

    /// <summary>Orders whose sold units came back, so a retried restock of the same order changes nothing.</summary>
    public HashSet<Guid> RestockedOrders { get; init; } = [];
    public List<StockAdjustment> Adjustments { get; init; } = [];

    /// <summary>
    /// How many stock buckets the product's stock is split over (0 on documents written before buckets: one). Kept on
    /// the product's first bucket, fixed when its stock is first set: an order's walk over the buckets depends on it.
    /// </summary>
    public int Buckets { get; set; }

    /// <summary>
    /// Stock buckets only: orders this bucket passed over (refused while the order went on to another bucket, or
    /// found nothing to take back), with how long that is remembered. A passed order is never held, sold or
    /// restocked here, so a retried walk cannot hold one order in two buckets (docs/inventory-design.md).
    /// </summary>
    public Dictionary<Guid, DateTimeOffset> PassedOrders { get; init; } = [];

    [JsonIgnore]
    public bool IsSoldOut => Available == 0;

    [JsonIgnore]
    public bool IsConserved =>
        Available >= 0 && Reserved >= 0 && Sold >= 0
        && Available + Reserved + Sold == Received
        && Reserved == Reservations.Values.Sum(r => r.Quantity)
        && SoldToUser.Values.Sum() <= Sold;

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

    /// <summary>Sets or removes (null) the per-user cap. Units already held or sold stay where they are.</summary>
    public void SetPerUserLimit(int? limit)
    {
        if (limit is < 1 or > MaxPerUserLimit)
        {
            throw new InventoryDomainException($"A per-user limit is between 1 and {MaxPerUserLimit} units.");
        }
        PerUserLimit = limit;
    }

    /// <summary>
    /// Holds units for an order of <paramref name="userId"/>. Reserving again for the same order changes nothing
    /// (duplicate delivery). Stock is checked before the cap, so a sold-out product always answers out of stock.
    /// </summary>
    public ReserveOutcome Reserve(Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt)
    {
        if (quantity <= 0)
        {
            throw new InventoryDomainException("Reserved quantity must be positive.");
        }
        if (Reservations.ContainsKey(orderId))
        {
            return ReserveOutcome.AlreadyReserved;
        }
        if (PassedOrders.ContainsKey(orderId))
        {
            return ReserveOutcome.Passed;
        }
        if (Available < quantity)
        {
            return ReserveOutcome.OutOfStock;
        }
        // An order without a user cannot be counted against a cap, so a capped product refuses it.
        if (PerUserLimit is { } limit && (string.IsNullOrEmpty(userId) || UnitsOf(userId) + quantity > limit))
        {
            return ReserveOutcome.PurchaseLimitExceeded;
        }

        Available -= quantity;
        Reserved += quantity;
        Reservations[orderId] = new StockReservation(quantity, expiresAt, userId);
        return ReserveOutcome.Reserved;
    }

    /// <summary>
    /// A stock bucket's step in an order's walk: reserves like <see cref="Reserve"/>, but a refusal for want of stock
    /// is remembered (until <see cref="PassRetention"/> past the hold's expiry), so this bucket never holds the order
    /// afterwards, even when units come back. Passes that lapsed before <paramref name="now"/> are forgotten.
    /// </summary>
    public ReserveOutcome ReserveOrPass(Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, DateTimeOffset now) =>
        ReserveOrPass(orderId, userId, quantity, expiresAt, now, out _);

    /// <inheritdoc cref="ReserveOrPass(Guid, string?, int, DateTimeOffset, DateTimeOffset)"/>
    /// <param name="changed">Whether the record changed and must be saved: a hold, or a pass remembered.</param>
    public ReserveOutcome ReserveOrPass(Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, DateTimeOffset now, out bool changed)
    {
        var outcome = Reserve(orderId, userId, quantity, expiresAt);
        if (outcome == ReserveOutcome.OutOfStock)
        {
            Pass(orderId, expiresAt + PassRetention, now);
        }
        changed = outcome is ReserveOutcome.Reserved or ReserveOutcome.OutOfStock;
        return outcome;
    }

    /// <summary>
    /// A stock bucket's step in an order's restock walk: takes the order's units back here when this bucket has
    /// sold that many, or passes the order for good (so a retry cannot take the same order back in two buckets).
    /// </summary>
    public RestockOutcome RestockOrPass(Guid orderId, string? userId, int quantity, DateTimeOffset now) =>
        RestockOrPass(orderId, userId, quantity, now, out _);

    /// <inheritdoc cref="RestockOrPass(Guid, string?, int, DateTimeOffset)"/>
    /// <param name="changed">Whether the record changed and must be saved: units taken back, or a pass recorded now.</param>
    public RestockOutcome RestockOrPass(Guid orderId, string? userId, int quantity, DateTimeOffset now, out bool changed)
    {
        changed = false;
        if (RestockedOrders.Contains(orderId))
        {
            return RestockOutcome.AlreadyRestocked;
        }
        if (PassedOrders.ContainsKey(orderId))
        {
            return RestockOutcome.Passed;
        }
        changed = true;
        if (Restock(orderId, userId, quantity))
        {
            return RestockOutcome.Restocked;
        }
        Pass(orderId, DateTimeOffset.MaxValue, now);
        return RestockOutcome.Passed;
    }

    private void Pass(Guid orderId, DateTimeOffset until, DateTimeOffset now)
    {
        foreach (var lapsed in PassedOrders.Where(p => p.Value < now).Select(p => p.Key).ToList())
        {
            PassedOrders.Remove(lapsed);
        }
        PassedOrders[orderId] = until;
    }

    /// <summary>Records the split of a new product (a product's split never changes once set).</summary>
    public void SplitOver(int buckets)
    {
        if (buckets < 1)
        {
            throw new InventoryDomainException("A product is kept in at least one stock bucket.");
        }
        if (Buckets == 0)
        {
            Buckets = buckets;
        }
    }

    /// <summary>Units <paramref name="userId"/> holds now plus units bought under a cap: what the cap is measured against.</summary>
    public int UnitsOf(string userId) =>
        Reservations.Values.Where(r => string.Equals(r.UserId, userId, StringComparison.Ordinal)).Sum(r => r.Quantity)
        + SoldToUser.GetValueOrDefault(userId);

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
        if (PerUserLimit is not null && !string.IsNullOrEmpty(reservation.UserId))
        {
            SoldToUser[reservation.UserId] = SoldToUser.GetValueOrDefault(reservation.UserId) + reservation.Quantity;
        }
        return true;
    }

    /// <summary>
    /// Puts the units an order bought back on the shelf, once per order: sold → available (received is unchanged,
    /// so the ledger still balances). Under a cap the buyer's allowance is given back too. False when this order's
    /// units were already restocked or there are not that many sold units to take back.
    /// </summary>
    public bool Restock(Guid orderId, string? userId, int quantity)
    {
        if (quantity <= 0)
        {
            throw new InventoryDomainException("Restocked quantity must be positive.");
        }
        if (RestockedOrders.Contains(orderId) || quantity > Sold)
        {
            return false;
        }
        Sold -= quantity;
        Available += quantity;
        Restocked += quantity;
        RestockedOrders.Add(orderId);
        if (!string.IsNullOrEmpty(userId) && SoldToUser.TryGetValue(userId, out var bought))
        {
            if (bought <= quantity)
            {
                SoldToUser.Remove(userId);
            }
            else
            {
                SoldToUser[userId] = bought - quantity;
            }
        }
        return true;
    }

    /// <summary>Orders whose hold lapsed before <paramref name="cutoff"/>.</summary>
    public IReadOnlyList<Guid> ExpiredBefore(DateTimeOffset cutoff) =>
        [.. Reservations.Where(r => r.Value.ExpiresAt < cutoff).Select(r => r.Key)];
}

/// <summary>One order's hold. <c>UserId</c> is null on holds written before the cap existed.</summary>
public sealed record StockReservation(int Quantity, DateTimeOffset ExpiresAt, string? UserId = null);

public sealed record StockAdjustment(DateTimeOffset At, int Delta, int AvailableAfter);

public enum ReserveOutcome
{
    Reserved,
    AlreadyReserved,
    OutOfStock,
    UnknownProduct,

    /// <summary>The order would take its user over the product's per-user cap.</summary>
    PurchaseLimitExceeded,

    /// <summary>
    /// Stock buckets only: this bucket passed the order over on an earlier walk and never holds it. The bucketed
    /// ledger walks on; a whole product never answers it (and if one did, it would count as out of stock).
    /// </summary>
    Passed,
}

public enum RestockOutcome
{
    Restocked,
    AlreadyRestocked,

    /// <summary>Not taken back in this bucket (it sold fewer units, or passed the order before): try the next one.</summary>
    Passed,
}
