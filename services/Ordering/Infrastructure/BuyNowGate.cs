using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>Inventory's customer-readable stock levels (<c>FewLeft</c> when 1 ≤ available ≤ 5).</summary>
public enum StockStatus
{
    InStock,
    FewLeft,
    OutOfStock,
}

/// <summary>One product's availability as inventory answered it.</summary>
public sealed record ProductAvailability(string ProductId, StockStatus Status, int Available, int? PerUserLimit)
{
    public bool IsSoldOut => Status == StockStatus.OutOfStock || Available <= 0;
}

/// <summary>What asking inventory about one product gave: its availability, "no such product", or no answer.</summary>
public abstract record AvailabilityLookup
{
    public sealed record Found(ProductAvailability Availability) : AvailabilityLookup;

    public sealed record NotFound : AvailabilityLookup;

    public sealed record Failed(string Reason) : AvailabilityLookup;
}

/// <summary>Where the gate gets availability from (inventory through service invocation; a fake in unit tests).</summary>
public interface IAvailabilitySource
{
    /// <summary>Never throws for a dependency problem: answers <see cref="AvailabilityLookup.Failed"/> instead.</summary>
    Task<AvailabilityLookup> GetAsync(string productId, CancellationToken cancellationToken);
}

/// <summary>The gate's answer for one buy-now request.</summary>
public enum GateDecision
{
    /// <summary>Go on and place the order; inventory's reservation still has the final word.</summary>
    Proceed,
    SoldOut,
    OverPurchaseLimit,
    UnknownProduct,
}

public sealed record BuyNowGateSettings(TimeSpan Freshness, TimeSpan FetchTimeout, TimeSpan KeepLastKnownOnError, int MaxProducts);

/// <summary>
/// Answers "is this product sold out?" from a per-product snapshot of inventory's availability held in memory, so a
/// flash sale's losers are turned away without an order, a state-store write or a saga. A snapshot is used for at
/// most <see cref="BuyNowGateSettings.Freshness"/>; then the next caller refreshes it and everyone else arriving
/// meanwhile waits for that one call (single flight), so a hot product costs inventory one call per interval per
/// replica however many buyers arrive.
/// <para>
/// The gate only ever refuses early: inventory's reservation stays authoritative, so a stale "in stock" costs an
/// order that inventory then cancels, never an oversell. When inventory does not answer, the last snapshot is kept
/// for <see cref="BuyNowGateSettings.KeepLastKnownOnError"/> and after that the gate lets buyers through (fails
/// open) rather than blocking sales on a read-only dependency.
/// </para>
/// </summary>
public sealed class BuyNowGate(IAvailabilitySource source, TimeProvider time, BuyNowGateSettings settings)
{
    // Under the "Flipkart." prefix ServiceDefaults exports: how many buyers the gate turned away (without any store
    // access) and how often it actually asked inventory.
    private static readonly Meter Meter = new("Flipkart.Ordering");
    private static readonly Counter<long> Decisions = Meter.CreateCounter<long>("flipkart.ordering.buy_now_gate", description: "Buy-now requests by the buy-now gate's decision");
    private static readonly Counter<long> InventoryReads = Meter.CreateCounter<long>("flipkart.ordering.availability_reads", description: "Availability reads the gate sent to inventory, by outcome");

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public async Task<(GateDecision Decision, ProductAvailability? Availability)> CheckAsync(string productId, int quantity, CancellationToken cancellationToken)
    {
        var lookup = await GetAsync(productId, cancellationToken);
        var result = lookup switch
        {
            AvailabilityLookup.NotFound => (GateDecision.UnknownProduct, null),
            AvailabilityLookup.Found { Availability: var a } when a.IsSoldOut => (GateDecision.SoldOut, a),
            AvailabilityLookup.Found { Availability: { PerUserLimit: int limit } a } when quantity > limit => (GateDecision.OverPurchaseLimit, a),
            AvailabilityLookup.Found { Availability: var a } => (GateDecision.Proceed, a),
            _ => (GateDecision.Proceed, (ProductAvailability?)null),
        };
        Decisions.Add(1, new KeyValuePair<string, object?>("decision", result.Item1.ToString()));
        return result;
    }

    /// <summary>The current snapshot of <paramref name="productId"/>, refreshed (single flight) when older than the freshness bound.</summary>
    public async Task<AvailabilityLookup> GetAsync(string productId, CancellationToken cancellationToken)
    {
        var entry = EntryFor(productId);
        if (entry is null)
        {
            // Too many distinct ids (e.g. a client inventing them): answer without caching rather than grow without bound.
            return (await FetchAsync(productId, previous: null).ConfigureAwait(false)).Effective;
        }

        Task<Snapshot> refresh;
        lock (entry)
        {
            if (entry.Current is { } current && time.GetUtcNow() - current.CheckedAt < settings.Freshness)
            {
                return current.Effective;
            }
            if (entry.Refresh is not { IsCompleted: false })
            {
                entry.Refresh = RefreshAsync(entry, productId);
            }
            refresh = entry.Refresh;
        }
        // The caller may give up waiting; the shared refresh carries on for the others.
        return (await refresh.WaitAsync(cancellationToken).ConfigureAwait(false)).Effective;
    }

    /// <summary>
    /// Inventory refused to hold a single unit: until the next refresh, buyers of this product are answered sold out
    /// here instead of each asking inventory. Advisory like every answer of the gate (inventory decides); a restock shows
    /// up at the next refresh, one freshness interval later at most.
    /// </summary>
    public void RecordSoldOut(string productId)
    {
        if (EntryFor(productId) is not { } entry)
        {
            return;
        }
        var now = time.GetUtcNow();
        lock (entry)
        {
            var perUserLimit = (entry.Current?.Effective as AvailabilityLookup.Found)?.Availability.PerUserLimit;
            entry.Current = new Snapshot(new AvailabilityLookup.Found(new ProductAvailability(productId, StockStatus.OutOfStock, 0, perUserLimit)), now, now);
        }
    }

    private Entry? EntryFor(string productId)
    {
        if (entries.TryGetValue(productId, out var entry))
        {
            return entry;
        }
        if (entries.Count >= settings.MaxProducts)
        {
            SweepStale();
            if (entries.Count >= settings.MaxProducts)
            {
                return null;
            }
        }
        return entries.GetOrAdd(productId, _ => new Entry());
    }

    private void SweepStale()
    {
        var now = time.GetUtcNow();
        foreach (var (id, entry) in entries)
        {
            lock (entry)
            {
                if (entry.Refresh is not { IsCompleted: false } && (entry.Current is null || now - entry.Current.CheckedAt >= settings.Freshness))
                {
                    entries.TryRemove(new KeyValuePair<string, Entry>(id, entry));
                }
            }
        }
    }

    private async Task<Snapshot> RefreshAsync(Entry entry, string productId)
    {
        Snapshot? previous;
        lock (entry)
        {
            previous = entry.Current;
        }
        var snapshot = await FetchAsync(productId, previous).ConfigureAwait(false);
        lock (entry)
        {
            entry.Current = snapshot;
        }
        return snapshot;
    }

    private async Task<Snapshot> FetchAsync(string productId, Snapshot? previous)
    {
        AvailabilityLookup lookup;
        // Not the caller's token: one buyer giving up must not cancel the call the others are waiting for.
        using var timeout = new CancellationTokenSource(settings.FetchTimeout, time);
        try
        {
            lookup = await source.GetAsync(productId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The gate is advisory: whatever went wrong asking, the answer is "no answer", never a failed checkout.
            lookup = new AvailabilityLookup.Failed(ex.GetType().Name);
        }

        InventoryReads.Add(1, new KeyValuePair<string, object?>("outcome", lookup.GetType().Name));
        var now = time.GetUtcNow();
        if (lookup is AvailabilityLookup.Failed && previous is { Effective: not AvailabilityLookup.Failed } && now - previous.AnsweredAt <= settings.KeepLastKnownOnError)
        {
            // Keep the last real answer for a while, but note the attempt so the next one waits a freshness interval.
            return previous with { CheckedAt = now };
        }
        return new Snapshot(lookup, now, now);
    }

    /// <summary>What callers are told, when it was last checked, and when inventory last actually answered.</summary>
    private sealed record Snapshot(AvailabilityLookup Effective, DateTimeOffset CheckedAt, DateTimeOffset AnsweredAt);

    private sealed class Entry
    {
        public Snapshot? Current;
        public Task<Snapshot>? Refresh;
    }
}
