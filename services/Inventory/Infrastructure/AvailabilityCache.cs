using System.Collections.Concurrent;
using Flipkart.Inventory.Domain;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// A short per-replica cache in front of <see cref="IStockLedger.GetAvailabilityAsync"/> for the public availability
/// read. Concurrent readers of one product share a single ledger call (single flight), and an answer is reused for
/// at most <see cref="InventoryOptions.AvailabilityCacheTtl"/>, so a product page hit thousands of times a second
/// costs the stock actor a few calls a second and never queues ahead of reservations. Slightly stale answers are
/// fine here: reservation is the authority, this only informs the shopper.
/// </summary>
public sealed class AvailabilityCache(IStockLedger ledger, IOptionsMonitor<InventoryOptions> options, TimeProvider time, InventoryMetrics metrics)
{
    // Ids are caller-chosen (anonymous), so the table is pruned rather than allowed to grow without bound.
    internal const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    internal int Count => entries.Count;

    public async Task<StockAvailability?> GetAsync(string productId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            entries.TryGetValue(productId, out var current);
            if (current is not null && IsUsable(current, now))
            {
                metrics.AvailabilityRead(askedLedger: false);
                return await current.Value.WaitAsync(cancellationToken);
            }

            var fetch = new TaskCompletionSource<StockAvailability?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var mine = new Entry(fetch.Task, now);
            var won = current is null ? entries.TryAdd(productId, mine) : entries.TryUpdate(productId, mine, current);
            if (!won)
            {
                continue;   // another reader started a fetch first: share it
            }

            if (entries.Count > PruneAbove)
            {
                Prune(now);
            }
            metrics.AvailabilityRead(askedLedger: true);
            // Not tied to this caller's token: other readers wait on the same fetch.
            _ = FillAsync(productId, fetch);
            return await fetch.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Forgets a product after a change made on this replica, so its next read is current.</summary>
    public void Invalidate(string productId) => entries.TryRemove(productId, out _);

    // A fetch in flight is joined; a finished one is reused while fresh; a failed one is never reused.
    private bool IsUsable(Entry entry, DateTimeOffset now) =>
        !entry.Value.IsCompleted || (entry.Value.IsCompletedSuccessfully && now - entry.StartedAt < options.CurrentValue.AvailabilityCacheTtl);

    private async Task FillAsync(string productId, TaskCompletionSource<StockAvailability?> fetch)
    {
        try
        {
            fetch.SetResult(await ledger.GetAvailabilityAsync(productId, CancellationToken.None));
        }
        catch (Exception ex)
        {
            fetch.SetException(ex);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (productId, entry) in entries)
        {
            if (!IsUsable(entry, now))
            {
                entries.TryRemove(new KeyValuePair<string, Entry>(productId, entry));
            }
        }
    }

    // The age is measured from the start of the fetch, so the answer is never older than the TTL plus one call.
    private sealed record Entry(Task<StockAvailability?> Value, DateTimeOffset StartedAt);
}
