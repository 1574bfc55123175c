using Dapr;
using Dapr.Client;
using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Stock as one key per product in <c>inventory-store</c>, changed by read → decide → write-if-ETag-unchanged.
/// Lost races re-read and retry with jittered backoff, a bounded number of times; past that the operation fails
/// with <see cref="StockContentionException"/> and the triggering event is redelivered later.
/// </summary>
public sealed class StateStoreStockLedger(DaprClient dapr, IOptionsMonitor<InventoryOptions> options, TimeProvider time, InventoryMetrics metrics) : IStockLedger
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

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

    public Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken) =>
        dapr.GetStateAsync<StockItem?>(DaprComponents.InventoryStore, Key(productId), cancellationToken: cancellationToken);

    public async Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken) =>
        await GetAsync(productId, cancellationToken) is { } stock ? StockAvailability.Of(stock) : null;

    public Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken) =>
        ChangeAsync(productId, stock =>
        {
            var item = stock ?? StockItem.Create(productId);
            item.SetAvailable(available, time.GetUtcNow());
            item.SetPerUserLimit(perUserLimit);
            return (item, item);
        }, cancellationToken);

    private async Task<T> ChangeAsync<T>(string productId, Func<StockItem?, (T Result, StockItem? Write)> change, CancellationToken cancellationToken)
    {
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ETagConflict>(),
                MaxRetryAttempts = options.CurrentValue.StateStoreRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(2),
                MaxDelay = TimeSpan.FromMilliseconds(200),
                OnRetry = _ =>
                {
                    metrics.Conflict();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                var (stock, etag) = await dapr.GetStateAndETagAsync<StockItem?>(DaprComponents.InventoryStore, Key(productId), cancellationToken: token);
                var (result, write) = change(stock);
                // A new record is saved with an empty ETag, which first-write concurrency turns into "only if absent".
                if (write is not null && !await TrySaveAsync(write, etag, token))
                {
                    throw new ETagConflict();
                }
                return result;
            }, cancellationToken);
        }
        catch (ETagConflict)
        {
            metrics.Conflict();
            throw new StockContentionException($"Stock of product {productId} kept changing; gave up after {options.CurrentValue.StateStoreRetries} retries.");
        }
    }

    private async Task<bool> TrySaveAsync(StockItem stock, string etag, CancellationToken cancellationToken)
    {
        try
        {
            return await dapr.TrySaveStateAsync(DaprComponents.InventoryStore, Key(stock.ProductId), stock, etag, FirstWrite, cancellationToken: cancellationToken);
        }
        catch (DaprException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Aborted or StatusCode.FailedPrecondition })
        {
            return false;
        }
    }

    internal static string Key(string productId) => $"stock-{productId}";

    private sealed class ETagConflict : Exception;
}
