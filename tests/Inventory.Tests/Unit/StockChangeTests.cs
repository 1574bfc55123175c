using Flipkart.Inventory.Domain;
using Flipkart.Testing;

namespace Inventory.Tests.Unit;

/// <summary>A gathered change answers and changes exactly what its own method would.</summary>
[Unit]
public class StockChangeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    private static StockItem Stocked(int available, int? perUserLimit = null)
    {
        var stock = StockItem.Create("p1");
        stock.SetAvailable(available, Now);
        stock.SetPerUserLimit(perUserLimit);
        return stock;
    }

    [Fact]
    public void Apply_AnswersAsEachMethodWould_InTheOrderGiven()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var gathered = Stocked(2);
        var oneByOne = Stocked(2);
        StockChange[] changes =
        [
            new(StockChangeKind.Reserve, a, 1, Now.AddMinutes(10), "u1"),
            new(StockChangeKind.Reserve, b, 1, Now.AddMinutes(10), "u2"),
            new(StockChangeKind.Reserve, c, 1, Now.AddMinutes(10), "u3"),
            new(StockChangeKind.Reserve, a, 1, Now.AddMinutes(10), "u1"),
            new(StockChangeKind.Commit, a),
            new(StockChangeKind.Commit, a),
            new(StockChangeKind.Release, b),
            new(StockChangeKind.Reserve, c, 1, Now.AddMinutes(10), "u3"),
            new(StockChangeKind.Restock, a, 1, UserId: "u1"),
            new(StockChangeKind.Restock, a, 1, UserId: "u1"),
        ];

        var results = changes.Select(change => (gathered.Apply(change, out var changed), changed)).ToList();

        Assert.Equal(
            [ReserveOutcome.Reserved, ReserveOutcome.Reserved, ReserveOutcome.OutOfStock, ReserveOutcome.AlreadyReserved],
            results.Take(4).Select(r => r.Item1.Reserve));
        Assert.Equal([true, false, true], results.Skip(4).Take(3).Select(r => r.Item1.Done));
        Assert.Equal(ReserveOutcome.Reserved, results[7].Item1.Reserve);
        Assert.Equal([true, false], results.Skip(8).Select(r => r.Item1.Done));
        Assert.Equal([true, true, false, false, true, false, true, true, true, false], results.Select(r => r.changed));

        oneByOne.Reserve(a, "u1", 1, Now.AddMinutes(10));
        oneByOne.Reserve(b, "u2", 1, Now.AddMinutes(10));
        oneByOne.Commit(a);
        oneByOne.Release(b);
        oneByOne.Reserve(c, "u3", 1, Now.AddMinutes(10));
        oneByOne.Restock(a, "u1", 1);
        Assert.Equal(
            (oneByOne.Available, oneByOne.Reserved, oneByOne.Sold, oneByOne.Restocked, oneByOne.Reservations.Keys.Single()),
            (gathered.Available, gathered.Reserved, gathered.Sold, gathered.Restocked, gathered.Reservations.Keys.Single()));
        Assert.True(gathered.IsConserved);
    }

    [Fact]
    public void Apply_CountsEarlierChangesOfTheSameTurn_AgainstTheCap()
    {
        var stock = Stocked(10, perUserLimit: 1);
        var first = stock.Apply(new(StockChangeKind.Reserve, Guid.NewGuid(), 1, Now.AddMinutes(10), "u1"), out _);
        var second = stock.Apply(new(StockChangeKind.Reserve, Guid.NewGuid(), 1, Now.AddMinutes(10), "u1"), out var changed);

        Assert.Equal(ReserveOutcome.Reserved, first.Reserve);
        Assert.Equal(ReserveOutcome.PurchaseLimitExceeded, second.Reserve);
        Assert.False(changed);
        Assert.Equal(9, stock.Available);
    }

    [Fact]
    public void Apply_AnswersAnInvalidChangeWithItsError_AndChangesNothing()
    {
        var stock = Stocked(3);

        var result = stock.Apply(new(StockChangeKind.Reserve, Guid.NewGuid(), 0, Now.AddMinutes(10), "u1"), out var changed);

        Assert.Equal("Reserved quantity must be positive.", result.Error);
        Assert.False(changed);
        Assert.Equal((3, 0), (stock.Available, stock.Reserved));
    }

    [Fact]
    public void Apply_TheBucketSteps_RememberPassesAsTheirMethodsDo()
    {
        var order = Guid.NewGuid();
        var stock = Stocked(0);

        var refused = stock.Apply(new(StockChangeKind.ReserveOrPass, order, 1, Now.AddMinutes(10), "u1", Now), out var changed);
        var restock = stock.Apply(new(StockChangeKind.RestockOrPass, order, 1, UserId: "u1", At: Now), out var restockChanged);

        Assert.Equal((ReserveOutcome.OutOfStock, true), (refused.Reserve, changed));
        Assert.True(stock.PassedOrders.ContainsKey(order));
        Assert.Equal((RestockOutcome.Passed, false), (restock.Restock, restockChanged));
    }

    [Fact]
    public void WhenMissing_AnswersAsTheActorsOwnMethodsDo_ForAProductNeverStocked()
    {
        Assert.Equal(ReserveOutcome.UnknownProduct, StockChangeResult.WhenMissing(StockChangeKind.Reserve).Reserve);
        Assert.Equal(ReserveOutcome.UnknownProduct, StockChangeResult.WhenMissing(StockChangeKind.ReserveOrPass).Reserve);
        Assert.Equal(RestockOutcome.Passed, StockChangeResult.WhenMissing(StockChangeKind.RestockOrPass).Restock);
        Assert.All([StockChangeKind.Release, StockChangeKind.Commit, StockChangeKind.Restock], kind => Assert.False(StockChangeResult.WhenMissing(kind).Done));
    }
}
