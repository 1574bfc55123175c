using Dapr.Client;
using Flipkart.Ordering.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>
/// Orders in <c>order-store</c>, one key per order, guarded by ETags. A change that emits an event commits it in the
/// same outbox transaction; a change without one (Submitted → StockReserved) is a plain single-key save, so nothing
/// spurious reaches the <c>orders</c> topic.
/// </summary>
public sealed class OrderRepository(DaprClient dapr)
{
    private readonly DaprState<Order> orders = new(dapr, DaprComponents.OrderStore);

    public Task<(Order? Value, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        orders.GetWithETagAsync(StateKeys.Order(orderId), cancellationToken);

    /// <summary>The orders that exist among <paramref name="orderIds"/>: a user index may name an order whose creating transaction never committed.</summary>
    public Task<IReadOnlyList<Order>> GetManyAsync(IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken) =>
        orders.GetManyAsync([.. orderIds.Select(StateKeys.Order)], cancellationToken);

    /// <summary>Creates the order with its event; false when an order with this id already exists.</summary>
    public Task<bool> TryCreateAsync(Order order, IntegrationEvent submitted, CancellationToken cancellationToken) =>
        orders.TryCommitAsync(StateKeys.Order(order.Id), order, etag: "", submitted, cancellationToken);

    /// <summary>Read → decide → commit with the ETag read (see <see cref="DaprState{T}.UpdateAsync{TResult}"/>).</summary>
    public Task<Order?> UpdateAsync(Guid orderId, Func<Order?, (Order? Result, Order? Write, IntegrationEvent? Event)> decide, ConcurrencyRetry retry, CancellationToken cancellationToken) =>
        orders.UpdateAsync(StateKeys.Order(orderId), decide, retry, cancellationToken);
}
