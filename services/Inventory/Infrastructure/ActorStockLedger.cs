using Dapr.Actors;
using Dapr.Actors.Client;
using Flipkart.Inventory.Actors;
using Flipkart.Inventory.Domain;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Stock through one <see cref="StockActor"/> per product (state on <c>actor-store</c>), or per stock bucket when a
/// product is split (<see cref="BucketedStockLedger"/>: the actor id is then the bucket id).
/// </summary>
public sealed class ActorStockLedger(IActorProxyFactory proxies, TimeProvider time) : IStockBuckets
{
    public Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        Actor(productId).ReserveAsync(new ReserveStockRequest(orderId, quantity, expiresAt, userId));

    public Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken) => Actor(productId).ReleaseAsync(orderId);

    public Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken) => Actor(productId).CommitAsync(orderId);

    public Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
        Actor(productId).RestockAsync(new RestockRequest(orderId, quantity, userId));

    public Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken) => Actor(productId).GetAsync();

    public Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken) => Actor(productId).GetAvailabilityAsync();

    public Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken) =>
        Actor(productId).SetAvailableAsync(new SetAvailableRequest(available, time.GetUtcNow(), perUserLimit));

    public Task<ReserveOutcome> ReserveOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        Actor(bucketId).ReserveOrPassAsync(new ReserveStockRequest(orderId, quantity, expiresAt, userId, time.GetUtcNow()));

    public Task<RestockOutcome> RestockOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
        Actor(bucketId).RestockOrPassAsync(new RestockRequest(orderId, quantity, userId, time.GetUtcNow()));

    public Task<StockItem> SetShareAsync(string bucketId, int available, int? perUserLimit, int buckets, CancellationToken cancellationToken) =>
        Actor(bucketId).SetAvailableAsync(new SetAvailableRequest(available, time.GetUtcNow(), perUserLimit, buckets));

    private IStockActor Actor(string productId) => proxies.CreateActorProxy<IStockActor>(new ActorId(productId), nameof(StockActor));
}
