using Dapr.Actors;
using Flipkart.Inventory.Domain;

namespace Flipkart.Inventory.Actors;

/// <summary>One actor per product id: Dapr runs one call at a time per actor, so a stock check and its update never interleave.</summary>
public interface IStockActor : IActor
{
    Task<ReserveOutcome> ReserveAsync(ReserveStockRequest request);

    Task<bool> ReleaseAsync(Guid orderId);

    Task<bool> CommitAsync(Guid orderId);

    Task<bool> RestockAsync(RestockRequest request);

    /// <summary>
    /// Several orders' changes in one turn, applied in order and saved once: what one turn each would have done, at
    /// the cost of one turn (<see cref="Infrastructure.ActorStockLedger"/> gathers the calls that queue up for a turn).
    /// </summary>
    Task<StockChangeResult[]> ApplyAsync(StockChange[] changes);

    Task<StockItem?> GetAsync();

    Task<StockAvailability?> GetAvailabilityAsync();

    Task<StockItem> SetAvailableAsync(SetAvailableRequest request);

    /// <summary>A stock bucket's step in an order's walk (<see cref="StockItem.ReserveOrPass"/>).</summary>
    Task<ReserveOutcome> ReserveOrPassAsync(ReserveStockRequest request);

    /// <summary>A stock bucket's step in an order's restock walk (<see cref="StockItem.RestockOrPass"/>).</summary>
    Task<RestockOutcome> RestockOrPassAsync(RestockRequest request);
}

/// <summary><c>At</c>: the caller's clock, for forgetting lapsed passes (stock buckets only).</summary>
public sealed record ReserveStockRequest(Guid OrderId, int Quantity, DateTimeOffset ExpiresAt, string? UserId = null, DateTimeOffset At = default);

public sealed record RestockRequest(Guid OrderId, int Quantity, string? UserId = null, DateTimeOffset At = default);

/// <summary><c>Buckets</c>: the product's split, recorded when set for the first time (null leaves it as it is).</summary>
public sealed record SetAvailableRequest(int Available, DateTimeOffset At, int? PerUserLimit = null, int? Buckets = null);
