using System.ComponentModel.DataAnnotations;

namespace Flipkart.Ordering;

public sealed class OrderingOptions
{
    /// <summary>How long stock stays reserved for an unpaid order; ordering cancels the order when it lapses.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a completed Idempotency-Key response is replayed (the IETF draft suggests 24 hours).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an in-flight request holds its key before a retry may take it over (crash recovery).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan IdempotencyLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest accepted POST /api/orders body; bigger bodies get 413.</summary>
    [Range(64, 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 16 * 1024;

    [Range(1, 100)]
    public int MaxPageSize { get; set; } = 50;

    /// <summary>
    /// How long buy-now's sold-out gate trusts its snapshot of a product's availability before asking inventory again
    /// (per product, per replica; concurrent buyers share one call).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan AvailabilityFreshness { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the gate waits for inventory's availability; after that it lets the buyer through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:30")]
    public TimeSpan AvailabilityFetchTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>While inventory does not answer, the gate keeps its last real answer this long, then fails open.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan AvailabilityKeepLastKnownOnError { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long buy-now waits for inventory to hold the buyer's units before it commits the order, so the 202 already
    /// says whether they are the buyer's. Past it, or when inventory fails, the order is committed unheld and the saga
    /// reserves it from OrderSubmitted as for a cart checkout. Generous on purpose: it is for an inventory that is down,
    /// not for the queue in front of a hot product's stock, whose wait is the buyer's answer (the saga's round trip after
    /// a fallback is slower still). Below the sidecar's invocation timeout (10 s). Zero turns the synchronous hold off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan BuyNowHoldTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Largest quantity one buy-now request may ask for.</summary>
    [Range(1, 100)]
    public int MaxBuyNowQuantity { get; set; } = 10;

    /// <summary>Bounded retries of an optimistic-concurrency (ETag) conflict on one order or index.</summary>
    [Range(1, 20)]
    public int ConcurrencyRetries { get; set; } = 8;
}
