using Dapr;
using Dapr.Client;
using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;
using Grpc.Core;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>Order reservation records and the product index in <c>inventory-store</c>.</summary>
public sealed class DaprReservationRecords(DaprClient dapr) : IReservationRecords
{
    private const string ProductIndexKey = "products";
    private const int IndexAttempts = 10;

    // Settled records are kept for replays and audits, not forever.
    private static readonly IReadOnlyDictionary<string, string> RecordMetadata = new Dictionary<string, string> { ["ttlInSeconds"] = "2592000" };
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public async Task<(OrderReservation? Record, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var (record, etag) = await dapr.GetStateAndETagAsync<OrderReservation?>(DaprComponents.InventoryStore, Key(orderId), cancellationToken: cancellationToken);
        return (record, etag ?? "");
    }

    public Task<bool> TrySaveAsync(OrderReservation record, string etag, CancellationToken cancellationToken) =>
        TrySaveAsync(Key(record.OrderId), record, etag, RecordMetadata, cancellationToken);

    public async Task<IReadOnlyList<string>> GetProductIdsAsync(CancellationToken cancellationToken) =>
        await dapr.GetStateAsync<List<string>?>(DaprComponents.InventoryStore, ProductIndexKey, cancellationToken: cancellationToken) ?? [];

    public async Task AddProductIdAsync(string productId, CancellationToken cancellationToken)
    {
        // Written only by admin restocks, so contention is rare; still a compare-and-swap so two admins add both ids.
        for (var attempt = 0; attempt < IndexAttempts; attempt++)
        {
            var (ids, etag) = await dapr.GetStateAndETagAsync<List<string>?>(DaprComponents.InventoryStore, ProductIndexKey, cancellationToken: cancellationToken);
            ids ??= [];
            if (ids.Contains(productId, StringComparer.Ordinal))
            {
                return;
            }
            ids.Add(productId);
            if (await TrySaveAsync(ProductIndexKey, ids, etag ?? "", null, cancellationToken))
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(5 * (attempt + 1)), cancellationToken);
        }
        throw new StockContentionException("The product index kept changing.");
    }

    private async Task<bool> TrySaveAsync<T>(string key, T value, string etag, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        try
        {
            return await dapr.TrySaveStateAsync(DaprComponents.InventoryStore, key, value, etag, FirstWrite, metadata, cancellationToken);
        }
        catch (DaprException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Aborted or StatusCode.FailedPrecondition })
        {
            // A create-only write found the key already there.
            return false;
        }
    }

    internal static string Key(Guid orderId) => $"reservation-{orderId:N}";
}
