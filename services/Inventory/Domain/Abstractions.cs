namespace Flipkart.Inventory.Domain;

/// <summary>
/// Per-product stock operations. Every operation is idempotent per order id, so a redelivered event or a
/// retried handler can replay it safely.
/// </summary>
public interface IStockLedger
{
    /// <summary>Holds units for an order of <paramref name="userId"/>, within the product's per-user cap if it has one.</summary>
    Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken);

    Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken);

    /// <summary>Puts an order's sold units back on the shelf, once per order (see <see cref="StockItem.Restock"/>).</summary>
    Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken);

    Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken);

    /// <summary>The shopper-facing summary; null when the product has no stock record.</summary>
    Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken);

    /// <summary>Restock or correction, and the per-user cap (null removes it), in one atomic change.</summary>
    Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken);
}

/// <summary>
/// Stock kept under bucket ids: the ledger's operations addressed to one bucket (a product's first bucket is the
/// product id itself), plus the steps that make an order's walk over a split product's buckets idempotent.
/// </summary>
public interface IStockBuckets : IStockLedger
{
    /// <summary>Reserves, or refuses and remembers that this bucket passed the order over (<see cref="StockItem.ReserveOrPass"/>).</summary>
    Task<ReserveOutcome> ReserveOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Takes an order's units back here, or passes it over for good (<see cref="StockItem.RestockOrPass"/>).</summary>
    Task<RestockOutcome> RestockOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken);

    /// <summary>Sets one bucket's share of the shelf and the cap, and records the product's split (kept if already set).</summary>
    Task<StockItem> SetShareAsync(string bucketId, int available, int? perUserLimit, int buckets, CancellationToken cancellationToken);
}

/// <summary>Order reservation records, written with compare-and-swap.</summary>
public interface IReservationRecords
{
    /// <summary>The record and its ETag; (null, "") when there is none.</summary>
    Task<(OrderReservation? Record, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken);

    /// <summary>Saves if the stored record still has <paramref name="etag"/>; an empty ETag means "only if absent".</summary>
    Task<bool> TrySaveAsync(OrderReservation record, string etag, CancellationToken cancellationToken);

    /// <summary>Products that have a stock record, for the expiry sweep.</summary>
    Task<IReadOnlyList<string>> GetProductIdsAsync(CancellationToken cancellationToken);

    Task AddProductIdAsync(string productId, CancellationToken cancellationToken);
}

/// <summary>How an order stands at ordering, as far as its stock hold is concerned.</summary>
public enum OrderOutcome
{
    /// <summary>Still in the saga (reserving, paying): ordering will confirm or cancel it.</summary>
    Pending,
    Confirmed,
    Cancelled,
    /// <summary>Ordering never stored it (its creating commit failed after the event was handed over).</summary>
    NotFound,
    /// <summary>Ordering could not be asked (down, unreachable, an answer that makes no sense).</summary>
    Unknown,
}

/// <summary>
/// Ordering decides an order's fate; inventory asks it before settling a lapsed hold on its own, because the event
/// that would have told it (OrderConfirmed) can be late: parked in a dead-letter queue, waiting out a redelivery,
/// behind a held Kafka partition.
/// </summary>
public interface IOrderOutcomes
{
    /// <summary>Never throws for an outage: <see cref="OrderOutcome.Unknown"/> then.</summary>
    Task<OrderOutcome> GetAsync(Guid orderId, string? userId, CancellationToken cancellationToken);
}

/// <summary>
/// A durable retry for an order's reservation outcome whose publish failed (a broker outage). The outcome is stored on
/// the order's reservation record, so the retry republishes it from there until it goes out, and the delivery that
/// decided it succeeds instead of failing and waiting out the broker's redelivery (finding 13).
/// </summary>
public interface IOutcomeRetries
{
    /// <summary>Arms the retry; throws when it cannot be armed (then the delivery fails and is redelivered, as without it).</summary>
    Task ScheduleAsync(Guid orderId, CancellationToken cancellationToken);
}
