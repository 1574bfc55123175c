using Dapr.Actors;
using Dapr.Actors.Client;
using Flipkart.Inventory.Actors;
using Flipkart.Inventory.Domain;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Stock through one <see cref="StockActor"/> per product (state on <c>actor-store</c>), or per stock bucket when a
/// product is split (<see cref="BucketedStockLedger"/>: the actor id is then the bucket id). Order-level changes that
/// queue up for an actor's turn go in one turn together (<see cref="InventoryOptions.GatherStockTurns"/>).
/// </summary>
public sealed class ActorStockLedger(IActorProxyFactory proxies, TimeProvider time, IOptionsMonitor<InventoryOptions> options, InventoryMetrics metrics)
    : IStockBuckets
{
    // Bounds one turn's work and message; a sale's queue is drained a few hundred at a time.
    private const int MaxChangesPerTurn = 256;

    private readonly TurnGatherer<StockChange, StockChangeResult> turns =
        new((actorId, changes) =>
        {
            metrics.StockTurn(changes.Length);
            return Actor(proxies, actorId).ApplyAsync(changes);
        }, MaxChangesPerTurn);

    public async Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        Gathered
            ? (await ChangeAsync(productId, new(StockChangeKind.Reserve, orderId, quantity, expiresAt, userId))).Reserve
            : await Actor(productId).ReserveAsync(new ReserveStockRequest(orderId, quantity, expiresAt, userId));

    public async Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        Gathered
            ? (await ChangeAsync(productId, new(StockChangeKind.Release, orderId))).Done
            : await Actor(productId).ReleaseAsync(orderId);

    public async Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        Gathered
            ? (await ChangeAsync(productId, new(StockChangeKind.Commit, orderId))).Done
            : await Actor(productId).CommitAsync(orderId);

    public async Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
        Gathered
            ? (await ChangeAsync(productId, new(StockChangeKind.Restock, orderId, quantity, UserId: userId))).Done
            : await Actor(productId).RestockAsync(new RestockRequest(orderId, quantity, userId));

    public Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken) => Actor(productId).GetAsync();

    public Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken) => Actor(productId).GetAvailabilityAsync();

    public Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken) =>
        Actor(productId).SetAvailableAsync(new SetAvailableRequest(available, time.GetUtcNow(), perUserLimit));

    public async Task<ReserveOutcome> ReserveOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        Gathered
            ? (await ChangeAsync(bucketId, new(StockChangeKind.ReserveOrPass, orderId, quantity, expiresAt, userId, time.GetUtcNow()))).Reserve
            : await Actor(bucketId).ReserveOrPassAsync(new ReserveStockRequest(orderId, quantity, expiresAt, userId, time.GetUtcNow()));

    public async Task<RestockOutcome> RestockOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
        Gathered
            ? (await ChangeAsync(bucketId, new(StockChangeKind.RestockOrPass, orderId, quantity, UserId: userId, At: time.GetUtcNow()))).Restock
            : await Actor(bucketId).RestockOrPassAsync(new RestockRequest(orderId, quantity, userId, time.GetUtcNow()));

    public Task<StockItem> SetShareAsync(string bucketId, int available, int? perUserLimit, int buckets, CancellationToken cancellationToken) =>
        Actor(bucketId).SetAvailableAsync(new SetAvailableRequest(available, time.GetUtcNow(), perUserLimit, buckets));

    private bool Gathered => options.CurrentValue.GatherStockTurns;

    private async Task<StockChangeResult> ChangeAsync(string actorId, StockChange change) =>
        (await turns.SendAsync(actorId, change)).OrThrow();

    private StockActorCalls Actor(string productId) => Actor(proxies, productId);

    private static StockActorCalls Actor(IActorProxyFactory proxies, string actorId) => new(proxies.Create(new ActorId(actorId), nameof(StockActor)));

    /// <summary>
    /// The stock actor's methods over Dapr's plain JSON actor invocation instead of the SDK's remoting proxy. A remoting
    /// proxy (one per actor id, so one per call here) copies the JSON options and rebuilds their type metadata for each
    /// method it calls: 13.5 % of inventory's CPU in a flash sale. These calls share the options of
    /// <see cref="ServiceDefaults.DaprActors"/>, whose metadata is built once; the actor runtime serves both kinds.
    /// </summary>
    private sealed class StockActorCalls(ActorProxy actor) : IStockActor
    {
        public Task<ReserveOutcome> ReserveAsync(ReserveStockRequest request) =>
            actor.InvokeMethodAsync<ReserveStockRequest, ReserveOutcome>(nameof(ReserveAsync), request);

        public Task<bool> ReleaseAsync(Guid orderId) => actor.InvokeMethodAsync<Guid, bool>(nameof(ReleaseAsync), orderId);

        public Task<bool> CommitAsync(Guid orderId) => actor.InvokeMethodAsync<Guid, bool>(nameof(CommitAsync), orderId);

        public Task<bool> RestockAsync(RestockRequest request) => actor.InvokeMethodAsync<RestockRequest, bool>(nameof(RestockAsync), request);

        public Task<StockChangeResult[]> ApplyAsync(StockChange[] changes) =>
            actor.InvokeMethodAsync<StockChange[], StockChangeResult[]>(nameof(ApplyAsync), changes);

        public Task<StockItem?> GetAsync() => actor.InvokeMethodAsync<StockItem?>(nameof(GetAsync));

        public Task<StockAvailability?> GetAvailabilityAsync() => actor.InvokeMethodAsync<StockAvailability?>(nameof(GetAvailabilityAsync));

        public Task<StockItem> SetAvailableAsync(SetAvailableRequest request) =>
            actor.InvokeMethodAsync<SetAvailableRequest, StockItem>(nameof(SetAvailableAsync), request);

        public Task<ReserveOutcome> ReserveOrPassAsync(ReserveStockRequest request) =>
            actor.InvokeMethodAsync<ReserveStockRequest, ReserveOutcome>(nameof(ReserveOrPassAsync), request);

        public Task<RestockOutcome> RestockOrPassAsync(RestockRequest request) =>
            actor.InvokeMethodAsync<RestockRequest, RestockOutcome>(nameof(RestockOrPassAsync), request);
    }
}
