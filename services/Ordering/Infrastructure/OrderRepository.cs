using Dapr.Client;
using Flipkart.Ordering.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>
/// Orders in <c>order-store</c>, one key per order, guarded by ETags. Every change after the creation is a single-key
/// compare-and-swap; a change that emits an event then publishes it through the outbox under a key of its own
/// (<see cref="DaprState{T}.TryCommitAsync"/>), so only the winner of the swap publishes, on every store.
/// </summary>
public sealed class OrderRepository(DaprClient dapr)
{
    private readonly DaprState<Order> orders = new(dapr, DaprComponents.OrderStore);

    public Task<(Order? Value, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        orders.GetWithETagAsync(StateKeys.Order(orderId), cancellationToken);

    /// <summary>The orders that exist among <paramref name="orderIds"/>: a user index may name an order whose creating transaction never committed.</summary>
    public Task<IReadOnlyList<Order>> GetManyAsync(IReadOnlyList<Guid> orderIds, CancellationToken cancellationToken) =>
        orders.GetManyAsync([.. orderIds.Select(StateKeys.Order)], cancellationToken);

    /// <summary>
    /// Creates the order with its OrderSubmitted in one transaction (a refused hand-off saves nothing); false when an
    /// order with this id already exists. Safe on Redis too: the id comes from the user and the Idempotency-Key, so a
    /// create only loses to an earlier attempt of the same order, whose event has the same id.
    /// </summary>
    public Task<bool> TryCreateAsync(Order order, IntegrationEvent submitted, CancellationToken cancellationToken) =>
        orders.TryCreateWithEventAsync(StateKeys.Order(order.Id), order, submitted, cancellationToken);

    /// <summary>Publishes the order's <paramref name="event"/> unless it already was; true when it had not been.</summary>
    public Task<bool> EnsurePublishedAsync(Guid orderId, IntegrationEvent @event, CancellationToken cancellationToken) =>
        orders.EnsurePublishedAsync(StateKeys.Order(orderId), @event, cancellationToken);

    /// <summary>Read → decide → commit with the ETag read (see <see cref="DaprState{T}.UpdateAsync{TResult}"/>).</summary>
    public Task<Order?> UpdateAsync(Guid orderId, Func<Order?, (Order? Result, Order? Write, IntegrationEvent? Event)> decide, ConcurrencyRetry retry, CancellationToken cancellationToken) =>
        orders.UpdateAsync(StateKeys.Order(orderId), decide, retry, cancellationToken);
}
