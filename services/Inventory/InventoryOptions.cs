using System.ComponentModel.DataAnnotations;
using Flipkart.Inventory.Infrastructure;

namespace Flipkart.Inventory;

public sealed class InventoryOptions
{
    /// <summary>
    /// Where per-product stock lives and how concurrent reservations are serialised (see docs/inventory-design.md).
    /// A deployment-time choice: the two ledgers keep their data in different stores.
    /// </summary>
    public StockLedgerKind Ledger { get; set; } = StockLedgerKind.Actor;

    /// <summary>
    /// How many stock buckets (actors, or keys) a new product's stock is split over, so one hot SKU is not capped by
    /// one actor's turn rate. 1 keeps each product whole. A product's split is fixed when its stock is first set;
    /// products with a per-user cap are never split (see docs/inventory-design.md, "Stock buckets").
    /// </summary>
    [Range(1, BucketedStockLedger.MaxBuckets)]
    public int StockBuckets { get; set; } = 1;

    /// <summary>
    /// Fewest units per bucket a new product's first stock must give for it to be split: a product first stocked with
    /// fewer than twice this many stays whole, and one with more gets at most <see cref="StockBuckets"/> buckets. Near
    /// the end of a split product's stock, units scattered over buckets cannot serve one line of several units, and
    /// every bucket run dry makes its buyers walk; small products gain nothing from that.
    /// </summary>
    [Range(1, 1_000_000)]
    public int StockBucketMinUnits { get; set; } = 100;

    /// <summary>
    /// Actor ledger: the reservations, commits and releases that queue up for one stock actor's turn go in the next
    /// turn together, saved once, instead of one turn each. Turn it off for one rollout when upgrading from a version
    /// without it: actors hosted by the old version do not know the gathered call.
    /// </summary>
    public bool GatherStockTurns { get; set; } = true;

    /// <summary>Turn buyers of a sold-out product away in-process, before they reach an actor or the store.</summary>
    public bool SoldOutFlag { get; set; } = true;

    /// <summary>
    /// How long a replica trusts its own "sold out" observation. Bounded because a release or restock handled by
    /// another replica is invisible here; a short TTL limits how long such stock goes unsold.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan SoldOutFlagTtl { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one replica reuses a product's availability answer (public read). Capped at 250 ms by contract so a
    /// shopper or ordering's sold-out gate never acts on a stale answer for long; zero asks the ledger every time
    /// (concurrent reads still share one call).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:00.250")]
    public TimeSpan AvailabilityCacheTtl { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Hold length when an OrderSubmitted carries no reservationExpiresAt (ordering normally sets it).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Ordering expires orders; inventory's own sweep only releases holds this long past their expiry.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ExpiryGrace { get; set; } = TimeSpan.FromMinutes(2);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Compare-and-swap attempts per operation for the state-store ledger before the event is redelivered.</summary>
    [Range(1, 100)]
    public int StateStoreRetries { get; set; } = 12;
}

public enum StockLedgerKind
{
    /// <summary>One Dapr actor per product (turn-based, on actor-store).</summary>
    Actor,

    /// <summary>One key per product in inventory-store, updated by ETag compare-and-swap with bounded retries.</summary>
    StateStore,
}
