using Dapr.Client;
using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Stock as one key per product in <c>inventory-store</c>, changed by read → decide → write-if-ETag-unchanged.
/// Lost races re-read and retry with jittered backoff, a bounded number of times; past that the operation fails
/// with <see cref="ConcurrencyConflictException"/> and the triggering event is redelivered later. A split product
/// (<see cref="BucketedStockLedger"/>) has one key per stock bucket.
/// </summary>
public sealed class StateStoreStockLedger(DaprClient dapr, IOptionsMonitor<InventoryOptions> options, TimeProvider time, InventoryMetrics metrics) : IStockBuckets
{
    private readonly DaprState<StockItem> stock = new(dapr, DaprComponents.InventoryStore);

    public Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        ChangeAsync(productId, stock =>
        {
            if (stock is null)
            {
                return (ReserveOutcome.UnknownProduct, null);
            }
            var outcome = stock.Reserve(orderId, userId, quantity, expiresAt);
            return (outcome, outcome == ReserveOutcome.Reserved ? stock : null);
        }, cancellationToken);

    public Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        ChangeAsync(productId, stock => stock?.Release(orderId) is true ? (true, stock) : (false, null), cancellationToken);

    public Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        ChangeAsync(productId, stock => stock?.Commit(orderId) is true ? (true, stock) : (false, null), cancellationToken);

    public Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
        ChangeAsync(productId, stock => stock?.Restock(orderId, userId, quantity) is true ? (true, stock) : (false, null), cancellationToken);

    public Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken) => stock.GetAsync(Key(productId), cancellationToken);

    public async Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken) =>
        await GetAsync(productId, cancellationToken) is { } item ? StockAvailability.Of(item) : null;

    public Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken) =>
        SetAsync(productId, available, perUserLimit, buckets: null, cancellationToken);

    public Task<ReserveOutcome> ReserveOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        ChangeAsync(bucketId, stock =>
        {
            if (stock is null)
            {
                return (ReserveOutcome.UnknownProduct, null);
            }
            var outcome = stock.ReserveOrPass(orderId, userId, quantity, expiresAt, time.GetUtcNow(), out var changed);
            return (outcome, changed ? stock : null);
        }, cancellationToken);

    public Task<RestockOutcome> RestockOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
        ChangeAsync(bucketId, stock =>
        {
            if (stock is null)
            {
                return (RestockOutcome.Passed, null);
            }
            var outcome = stock.RestockOrPass(orderId, userId, quantity, time.GetUtcNow(), out var changed);
            return (outcome, changed ? stock : null);
        }, cancellationToken);

    public Task<StockItem> SetShareAsync(string bucketId, int available, int? perUserLimit, int buckets, CancellationToken cancellationToken) =>
        SetAsync(bucketId, available, perUserLimit, buckets, cancellationToken);

    private Task<StockItem> SetAsync(string key, int available, int? perUserLimit, int? buckets, CancellationToken cancellationToken) =>
        ChangeAsync(key, stock =>
        {
            var item = stock ?? StockItem.Create(key);
            item.SetAvailable(available, time.GetUtcNow());
            item.SetPerUserLimit(perUserLimit);
            if (buckets is { } count)
            {
                item.SplitOver(count);
            }
            return (item, item);
        }, cancellationToken);

    // A new record is saved with an empty ETag, which first-write concurrency turns into "only if absent".
    private async Task<T> ChangeAsync<T>(string productId, Func<StockItem?, (T Result, StockItem? Write)> change, CancellationToken cancellationToken)
    {
        // Short first back-off: in a flash sale many buyers race for one key and most retries win within milliseconds.
        var retry = new ConcurrencyRetry(options.CurrentValue.StateStoreRetries, TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(200), metrics.Conflict);
        try
        {
            return await stock.UpdateAsync(Key(productId), change, retry, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            metrics.Conflict();
            throw;
        }
    }

    internal static string Key(string productId) => $"stock-{productId}";
}
