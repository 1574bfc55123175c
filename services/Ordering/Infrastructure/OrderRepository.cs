using Dapr.Client;
using Flipkart.Ordering.Domain;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>Orders in <c>order-store</c>, one key per order, guarded by ETags.</summary>
public sealed class OrderRepository(DaprClient dapr)
{
    private const string Store = DaprComponents.OrderStore;
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public async Task<(Order? Order, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var (order, etag) = await dapr.GetStateAndETagAsync<Order?>(Store, StateKeys.Order(orderId), cancellationToken: cancellationToken);
        return (order, etag);
    }

    public async Task<IReadOnlyList<Order>> GetManyAsync(IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken)
    {
        if (orderIds.Count == 0)
        {
            return [];
        }
        var items = await dapr.GetBulkStateAsync<Order?>(Store, [.. orderIds.Select(StateKeys.Order)], parallelism: 8, cancellationToken: cancellationToken);
        // A user index may name an order whose creating transaction never committed; such entries are skipped.
        return [.. items.Select(i => i.Value).OfType<Order>()];
    }

    /// <summary>Saves the order and, when the change emits one, its event atomically (outbox). False on an ETag conflict.</summary>
    public async Task<bool> TrySaveAsync(Order order, string? etag, IntegrationEvent? @event, CancellationToken cancellationToken)
    {
        if (@event is not null)
        {
            return await DaprOutbox.TryCommitAsync(dapr, Store, StateKeys.Order(order.Id), order, etag, @event, cancellationToken);
        }

        // A change without an event (Submitted → StockReserved) is a plain single-key save: the outbox only
        // publishes transactions, so nothing spurious reaches the `orders` topic.
        return await dapr.TrySaveStateAsync(Store, StateKeys.Order(order.Id), order, etag ?? "", FirstWrite, cancellationToken: cancellationToken);
    }
}
