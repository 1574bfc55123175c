using Dapr;
using Dapr.Client;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>
/// The ids of a user's orders, newest last, in one key per user (state stores have no portable query).
/// Written before the order itself: a failed order leaves a dangling id that reads skip, whereas the other
/// order would leave an order its owner cannot list.
/// </summary>
public sealed class UserOrderIndex(DaprClient dapr)
{
    private const string Store = DaprComponents.OrderStore;
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public sealed record Entry(Guid OrderId, DateTimeOffset CreatedAt);

    public sealed record Document(List<Entry> Orders);

    public async Task<IReadOnlyList<Entry>> GetAsync(string userId, CancellationToken cancellationToken) =>
        (await dapr.GetStateAsync<Document?>(Store, StateKeys.UserOrders(userId), cancellationToken: cancellationToken))?.Orders ?? [];

    /// <summary>Adds one order id; false on an ETag conflict (the caller retries).</summary>
    public async Task<bool> TryAddAsync(string userId, Guid orderId, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var key = StateKeys.UserOrders(userId);
        var (document, etag) = await dapr.GetStateAndETagAsync<Document?>(Store, key, cancellationToken: cancellationToken);
        document ??= new Document([]);
        if (document.Orders.Any(e => e.OrderId == orderId))
        {
            return true;
        }
        document.Orders.Add(new Entry(orderId, createdAt));
        if (string.IsNullOrEmpty(etag))
        {
            try
            {
                // First-write without an ETag creates the key only if nobody else just did.
                await dapr.SaveStateAsync(Store, key, document, FirstWrite, cancellationToken: cancellationToken);
                return true;
            }
            catch (DaprException)
            {
                return false;
            }
        }
        return await dapr.TrySaveStateAsync(Store, key, document, etag, FirstWrite, cancellationToken: cancellationToken);
    }
}
