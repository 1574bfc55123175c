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

    // A plain refusal changes nothing (a sold-out answer costs no write); a reservation, or a remembered pass, is saved.
    public Task<ReserveOutcome> ReserveAsync(ReserveStockRequest request) =>
        ChangeAsync(ReserveOutcome.UnknownProduct, stock =>
        {
            var outcome = stock.Reserve(request.OrderId, request.UserId, request.Quantity, request.ExpiresAt);
            return (outcome, outcome == ReserveOutcome.Reserved);
        });

    public Task<ReserveOutcome> ReserveOrPassAsync(ReserveStockRequest request) =>
        ChangeAsync(ReserveOutcome.UnknownProduct, stock =>
            (stock.ReserveOrPass(request.OrderId, request.UserId, request.Quantity, request.ExpiresAt, request.At, out var changed), changed));

    public Task<RestockOutcome> RestockOrPassAsync(RestockRequest request) =>
        ChangeAsync(RestockOutcome.Passed, stock =>
            (stock.RestockOrPass(request.OrderId, request.UserId, request.Quantity, request.At, out var changed), changed));

    public Task<bool> ReleaseAsync(Guid orderId) => ChangeAsync(stock => stock.Release(orderId));

    public Task<bool> CommitAsync(Guid orderId) => ChangeAsync(stock => stock.Commit(orderId));

    public Task<bool> RestockAsync(RestockRequest request) => ChangeAsync(stock => stock.Restock(request.OrderId, request.UserId, request.Quantity));

    // The changes of many orders in one turn and one save, each answered as its own method would; the record is
    // saved once if any of them changed it.
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

    private Task<bool> ChangeAsync(Func<StockItem, bool> change) =>
        ChangeAsync(false, stock =>
        {
            var changed = change(stock);
            return (changed, changed);
        });

    // Load, decide, and save only when the decision changed the stock; a product never stocked answers whenMissing.
    private async Task<T> ChangeAsync<T>(T whenMissing, Func<StockItem, (T Result, bool Changed)> change)
    {
        var stock = await LoadAsync();
        if (stock is null)
        {
            return whenMissing;
        }
        var (result, changed) = change(stock);
        if (changed)
        {
            await StateManager.SetStateAsync(StockState, stock);
        }
        return result;
    }

    private async Task<StockItem?> LoadAsync()
    {
        var state = await StateManager.TryGetStateAsync<StockItem>(StockState);
        return state.HasValue ? state.Value : null;
    }
}
