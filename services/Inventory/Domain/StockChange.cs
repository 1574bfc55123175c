namespace Flipkart.Inventory.Domain;

/// <summary>What one <see cref="StockChange"/> asks of a stock record: one of <see cref="StockItem"/>'s order-level changes.</summary>
public enum StockChangeKind
{
    Reserve,
    ReserveOrPass,
    Release,
    Commit,
    Restock,
    RestockOrPass,
}

/// <summary>
/// One order-level change to a stock record, so several can travel in one actor turn (<see cref="StockItem.Apply"/>).
/// <c>At</c>: the caller's clock, for forgetting lapsed passes (the two …OrPass kinds).
/// </summary>
public sealed record StockChange(
    StockChangeKind Kind, Guid OrderId, int Quantity = 0, DateTimeOffset ExpiresAt = default, string? UserId = null, DateTimeOffset At = default);

/// <summary>
/// The answer to one <see cref="StockChange"/>: <c>Reserve</c> for the two reserve kinds, <c>Restock</c> for
/// RestockOrPass, <c>Done</c> for Release, Commit and Restock; <c>Error</c> when the change was invalid and changed nothing.
/// </summary>
public sealed record StockChangeResult(ReserveOutcome Reserve = default, RestockOutcome Restock = default, bool Done = false, string? Error = null)
{
    /// <summary>The answer when there is no stock record at all (a product never stocked).</summary>
    public static StockChangeResult WhenMissing(StockChangeKind kind) => kind switch
    {
        StockChangeKind.Reserve or StockChangeKind.ReserveOrPass => new(Reserve: ReserveOutcome.UnknownProduct),
        StockChangeKind.RestockOrPass => new(Restock: RestockOutcome.Passed),
        _ => new(),
    };

    /// <summary>This answer, or the invalid change's error thrown as the change's own method throws it.</summary>
    public StockChangeResult OrThrow() => Error is { } error ? throw new InventoryDomainException(error) : this;
}

public sealed partial class StockItem
{
    /// <summary>
    /// Applies one change as its own method would. An invalid change (a non-positive quantity) answers its error and
    /// changes nothing, so the other changes of its turn still apply. <paramref name="changed"/>: whether the record
    /// changed and must be saved.
    /// </summary>
    public StockChangeResult Apply(StockChange change, out bool changed)
    {
        changed = false;
        try
        {
            switch (change.Kind)
            {
                case StockChangeKind.Reserve:
                    var reserved = Reserve(change.OrderId, change.UserId, change.Quantity, change.ExpiresAt);
                    changed = reserved == ReserveOutcome.Reserved;
                    return new(Reserve: reserved);
                case StockChangeKind.ReserveOrPass:
                    return new(Reserve: ReserveOrPass(change.OrderId, change.UserId, change.Quantity, change.ExpiresAt, change.At, out changed));
                case StockChangeKind.RestockOrPass:
                    return new(Restock: RestockOrPass(change.OrderId, change.UserId, change.Quantity, change.At, out changed));
                case StockChangeKind.Release:
                    changed = Release(change.OrderId);
                    return new(Done: changed);
                case StockChangeKind.Commit:
                    changed = Commit(change.OrderId);
                    return new(Done: changed);
                case StockChangeKind.Restock:
                    changed = Restock(change.OrderId, change.UserId, change.Quantity);
                    return new(Done: changed);
                default:
                    return new(Error: $"Unknown stock change {change.Kind}.");
            }
        }
        catch (InventoryDomainException ex)
        {
            return new(Error: ex.Message);
        }
    }
}
