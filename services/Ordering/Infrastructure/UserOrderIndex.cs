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
    private readonly DaprState<Document> index = new(dapr, DaprComponents.OrderStore);

    public sealed record Entry(Guid OrderId, DateTimeOffset CreatedAt);

    public sealed record Document(List<Entry> Orders);

    public async Task<IReadOnlyList<Entry>> GetAsync(string userId, CancellationToken cancellationToken) =>
        (await index.GetAsync(StateKeys.UserOrders(userId), cancellationToken))?.Orders ?? [];

    /// <summary>Adds one order id (once), retrying lost races; <see cref="ConcurrencyConflictException"/> when they persist.</summary>
    public Task AddAsync(string userId, Guid orderId, DateTimeOffset createdAt, ConcurrencyRetry retry, CancellationToken cancellationToken) =>
        index.UpdateAsync(StateKeys.UserOrders(userId), document =>
        {
            if (document?.Orders.Any(e => e.OrderId == orderId) == true)
            {
                return (true, null);
            }
            var updated = new Document([.. document?.Orders ?? [], new Entry(orderId, createdAt)]);
            return (true, updated);
        }, retry, cancellationToken);
}
