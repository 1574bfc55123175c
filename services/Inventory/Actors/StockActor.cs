using Dapr.Actors.Runtime;
using Flipkart.Inventory.Domain;

namespace Flipkart.Inventory.Actors;

/// <summary>
/// The stock of one product. Its state is cached in the actor between turns, so a refusal (sold out) costs no
/// store round trip; every change is one actor-state transaction, saved by the runtime when the turn ends.
/// </summary>
public sealed class StockActor(ActorHost host) : Actor(host), IStockActor
{
    private const string StockState = "stock";

    // The one-change methods answer as ApplyAsync does for a turn of one: a plain refusal changes nothing (a sold-out
    // answer costs no write); a reservation, or a remembered pass, is saved. An invalid change throws, as it always has.
    public async Task<ReserveOutcome> ReserveAsync(ReserveStockRequest request) =>
        (await ApplyOneAsync(new(StockChangeKind.Reserve, request.OrderId, request.Quantity, request.ExpiresAt, request.UserId))).Reserve;

    public async Task<ReserveOutcome> ReserveOrPassAsync(ReserveStockRequest request) =>
        (await ApplyOneAsync(new(StockChangeKind.ReserveOrPass, request.OrderId, request.Quantity, request.ExpiresAt, request.UserId, request.At))).Reserve;

    public async Task<RestockOutcome> RestockOrPassAsync(RestockRequest request) =>
        (await ApplyOneAsync(new(StockChangeKind.RestockOrPass, request.OrderId, request.Quantity, UserId: request.UserId, At: request.At))).Restock;

    public async Task<bool> ReleaseAsync(Guid orderId) => (await ApplyOneAsync(new(StockChangeKind.Release, orderId))).Done;

    public async Task<bool> CommitAsync(Guid orderId) => (await ApplyOneAsync(new(StockChangeKind.Commit, orderId))).Done;

    public async Task<bool> RestockAsync(RestockRequest request) =>
        (await ApplyOneAsync(new(StockChangeKind.Restock, request.OrderId, request.Quantity, UserId: request.UserId))).Done;

    // The changes of many orders in one turn and one save, each answered as its own method would; the record is
    // saved once if any of them changed it. A product never stocked answers each as missing.
    public async Task<StockChangeResult[]> ApplyAsync(StockChange[] changes)
    {
        var stock = await LoadAsync();
        if (stock is null)
        {
            return [.. changes.Select(change => StockChangeResult.WhenMissing(change.Kind))];
        }
        var results = new StockChangeResult[changes.Length];
        var anyChanged = false;
        for (var i = 0; i < changes.Length; i++)
        {
            results[i] = stock.Apply(changes[i], out var changed);
            anyChanged |= changed;
        }
        if (anyChanged)
        {
            await StateManager.SetStateAsync(StockState, stock);
        }
        return results;
    }

    public Task<StockItem?> GetAsync() => LoadAsync();

    // Answered from the state the actor already holds in memory; only the summary crosses the wire, not the holds.
    public async Task<StockAvailability?> GetAvailabilityAsync() =>
        await LoadAsync() is { } stock ? StockAvailability.Of(stock) : null;

    public async Task<StockItem> SetAvailableAsync(SetAvailableRequest request)
    {
        var stock = await LoadAsync() ?? StockItem.Create(Id.GetId());
        stock.SetAvailable(request.Available, request.At);
        stock.SetPerUserLimit(request.PerUserLimit);
        if (request.Buckets is { } buckets)
        {
            stock.SplitOver(buckets);
        }
        await StateManager.SetStateAsync(StockState, stock);
        return stock;
    }

    private async Task<StockChangeResult> ApplyOneAsync(StockChange change) => (await ApplyAsync([change]))[0].OrThrow();

    private async Task<StockItem?> LoadAsync()
    {
        var state = await StateManager.TryGetStateAsync<StockItem>(StockState);
        return state.HasValue ? state.Value : null;
    }
}
