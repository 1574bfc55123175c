using Dapr.Client;
using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>Order reservation records and the product index in <c>inventory-store</c>.</summary>
public sealed class DaprReservationRecords(DaprClient dapr) : IReservationRecords
{
    private const string ProductIndexKey = "products";

    // Settled records are kept for replays and audits, not forever.
    private static readonly TimeSpan RecordRetention = TimeSpan.FromDays(30);

    // Written only by admin restocks, so contention is rare; still a compare-and-swap so two admins add both ids.
    private static readonly ConcurrencyRetry IndexRetry = ConcurrencyRetry.Attempts(10);

    private readonly DaprState<OrderReservation> reservations = new(dapr, DaprComponents.InventoryStore);
    private readonly DaprState<List<string>> productIndex = new(dapr, DaprComponents.InventoryStore);

    public Task<(OrderReservation? Record, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        reservations.GetWithETagAsync(Key(orderId), cancellationToken);

    public Task<bool> TrySaveAsync(OrderReservation record, string etag, CancellationToken cancellationToken) =>
        reservations.TrySaveAsync(Key(record.OrderId), record, etag, cancellationToken, RecordRetention);

    public async Task<IReadOnlyList<string>> GetProductIdsAsync(CancellationToken cancellationToken) =>
        await productIndex.GetAsync(ProductIndexKey, cancellationToken) ?? [];

    public Task AddProductIdAsync(string productId, CancellationToken cancellationToken) =>
        productIndex.UpdateAsync(ProductIndexKey, ids =>
            ids?.Contains(productId, StringComparer.Ordinal) == true ? (true, null) : (true, (List<string>?)[.. ids ?? [], productId]),
            IndexRetry, cancellationToken);

    internal static string Key(Guid orderId) => $"reservation-{orderId:N}";
}
