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

    Task<StockItem?> GetAsync();

    Task<StockAvailability?> GetAvailabilityAsync();

    Task<StockItem> SetAvailableAsync(SetAvailableRequest request);
}

public sealed record ReserveStockRequest(Guid OrderId, int Quantity, DateTimeOffset ExpiresAt, string? UserId = null);

public sealed record RestockRequest(Guid OrderId, int Quantity, string? UserId = null);

public sealed record SetAvailableRequest(int Available, DateTimeOffset At, int? PerUserLimit = null);
