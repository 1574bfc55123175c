using System.Collections.Concurrent;
using Flipkart.Inventory.Domain;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Remembers, per replica and for a short TTL, which products just turned a buyer away, and answers the next
/// buyers "out of stock" without touching the ledger. In a flash sale almost all traffic arrives after the
/// last unit is gone, so this keeps the tail of the sale off the actor queue and the store. It can only ever
/// refuse, never grant, so it cannot cause an oversell.
/// </summary>
public sealed class SoldOutFlagLedger(IStockLedger inner, IOptionsMonitor<InventoryOptions> options, TimeProvider time, InventoryMetrics metrics) : IStockLedger
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> soldOutUntil = new(StringComparer.Ordinal);

    public async Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        if (soldOutUntil.TryGetValue(productId, out var until))
        {
            if (until > time.GetUtcNow())
            {
                metrics.ShortCircuit();
                return ReserveOutcome.OutOfStock;
            }
            soldOutUntil.TryRemove(new KeyValuePair<string, DateTimeOffset>(productId, until));
        }

        var outcome = await inner.ReserveAsync(productId, orderId, userId, quantity, expiresAt, cancellationToken);
        // Only a product with nothing left is flagged: a buyer of 3 refused while 2 remain must not block buyers of 1.
        if (outcome == ReserveOutcome.OutOfStock && await IsEmptyAsync(productId, cancellationToken))
        {
            soldOutUntil[productId] = time.GetUtcNow() + options.CurrentValue.SoldOutFlagTtl;
        }
        return outcome;
    }

    public async Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken)
    {
        var released = await inner.ReleaseAsync(productId, orderId, cancellationToken);
        if (released)
        {
            soldOutUntil.TryRemove(productId, out _);
        }
        return released;
    }

    public Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        inner.CommitAsync(productId, orderId, cancellationToken);

    public async Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken)
    {
        var restocked = await inner.RestockAsync(productId, orderId, userId, quantity, cancellationToken);
        if (restocked)
        {
            soldOutUntil.TryRemove(productId, out _);
        }
        return restocked;
    }

    public Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken) => inner.GetAsync(productId, cancellationToken);

    public Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken) =>
        inner.GetAvailabilityAsync(productId, cancellationToken);

    public async Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken)
    {
        var stock = await inner.SetAvailableAsync(productId, available, perUserLimit, cancellationToken);
        soldOutUntil.TryRemove(productId, out _);
        return stock;
    }

    // The summary, not the whole stock record: an actor sends no holds, a split product sums its buckets' counts.
    private async Task<bool> IsEmptyAsync(string productId, CancellationToken cancellationToken) =>
        (await inner.GetAvailabilityAsync(productId, cancellationToken))?.Available == 0;
}
