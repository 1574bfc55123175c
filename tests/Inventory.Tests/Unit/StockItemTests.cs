using Flipkart.Inventory.Domain;
using Flipkart.Testing;

namespace Inventory.Tests.Unit;

[Unit]
public class StockItemTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private static StockItem Stocked(int available)
    {
        var stock = StockItem.Create("p1");
        stock.SetAvailable(available, Now);
        return stock;
    }

    [Fact]
    public void Reserve_MovesUnitsFromAvailableToReserved_WhenInStock()
    {
        var stock = Stocked(5);
        Assert.Equal(ReserveOutcome.Reserved, stock.Reserve(Guid.NewGuid(), "user-1", 3, Now.AddMinutes(10)));
        Assert.Equal((2, 3, 0), (stock.Available, stock.Reserved, stock.Sold));
        Assert.True(stock.IsConserved);
    }

    [Fact]
    public void Reserve_ChangesNothing_WhenSameOrderReservesAgain()
    {
        var stock = Stocked(5);
        var order = Guid.NewGuid();
        stock.Reserve(order, "user-1", 2, Now);
        Assert.Equal(ReserveOutcome.AlreadyReserved, stock.Reserve(order, "user-1", 2, Now));
        Assert.Equal((3, 2), (stock.Available, stock.Reserved));
    }

    [Fact]
    public void Reserve_RefusesWithoutChange_WhenNotEnoughAvailable()
    {
        var stock = Stocked(2);
        Assert.Equal(ReserveOutcome.OutOfStock, stock.Reserve(Guid.NewGuid(), "user-1", 3, Now));
        Assert.Equal((2, 0), (stock.Available, stock.Reserved));
        Assert.Empty(stock.Reservations);
    }

    [Fact]
    public void Release_ReturnsUnitsOnce_WhenCalledTwice()
    {
        var stock = Stocked(5);
        var order = Guid.NewGuid();
        stock.Reserve(order, "user-1", 2, Now);

        Assert.True(stock.Release(order));
        Assert.False(stock.Release(order));
        Assert.Equal((5, 0, 0), (stock.Available, stock.Reserved, stock.Sold));
        Assert.True(stock.IsConserved);
    }

    [Fact]
    public void Commit_MovesReservedToSoldOnce_AndCannotBeReleasedAfterwards()
    {
        var stock = Stocked(5);
        var order = Guid.NewGuid();
        stock.Reserve(order, "user-1", 2, Now);

        Assert.True(stock.Commit(order));
        Assert.False(stock.Commit(order));
        Assert.False(stock.Release(order));
        Assert.Equal((3, 0, 2), (stock.Available, stock.Reserved, stock.Sold));
        Assert.True(stock.IsConserved);
    }

    [Fact]
    public void SetAvailable_RecordsRestocksAsReceived_SoLedgerBalances()
    {
        var stock = Stocked(5);
        var sold = Guid.NewGuid();
        stock.Reserve(sold, "user-1", 4, Now);
        stock.Commit(sold);
        stock.Reserve(Guid.NewGuid(), "user-1", 1, Now);

        stock.SetAvailable(10, Now);   // restock: +10
        stock.SetAvailable(7, Now);    // correction: -3

        Assert.Equal(5 + 10 - 3, stock.Received);
        Assert.Equal(stock.Received, stock.Available + stock.Reserved + stock.Sold);
        Assert.Equal([5, 10, -3], stock.Adjustments.Select(a => a.Delta));
        Assert.True(stock.IsConserved);
    }

    [Fact]
    public void SetAvailable_Throws_WhenNegative()
    {
        var stock = Stocked(1);
        Assert.Throws<InventoryDomainException>(() => stock.SetAvailable(-1, Now));
    }

    [Fact]
    public void ExpiredBefore_ListsOnlyLapsedHolds()
    {
        var stock = Stocked(5);
        var lapsed = Guid.NewGuid();
        stock.Reserve(lapsed, "user-1", 1, Now.AddMinutes(-1));
        stock.Reserve(Guid.NewGuid(), "user-1", 1, Now.AddMinutes(1));

        Assert.Equal([lapsed], stock.ExpiredBefore(Now));
    }

    [Fact]
    public void RandomOperations_KeepConservation()
    {
        var random = new Random(42);
        var stock = Stocked(20);
        var orders = Enumerable.Range(0, 30).Select(_ => Guid.NewGuid()).ToArray();
        for (var step = 0; step < 2000; step++)
        {
            var order = orders[random.Next(orders.Length)];
            switch (random.Next(4))
            {
                case 0: stock.Reserve(order, "user-1", random.Next(1, 4), Now); break;
                case 1: stock.Release(order); break;
                case 2: stock.Commit(order); break;
                default: stock.SetAvailable(random.Next(0, 10), Now); break;
            }
            Assert.True(stock.IsConserved, $"conservation broken at step {step}");
        }
    }

    [Fact]
    public void Restock_PutsAnOrdersSoldUnitsBackOnce_AndTheLedgerStillBalances()
    {
        var stock = StockItem.Create("p");
        stock.SetAvailable(10, DateTimeOffset.UtcNow);
        var order = Guid.NewGuid();
        stock.Reserve(order, "u1", 3, DateTimeOffset.UtcNow.AddMinutes(5));
        stock.Commit(order);

        Assert.True(stock.Restock(order, "u1", 3));
        Assert.False(stock.Restock(order, "u1", 3));

        Assert.Equal(10, stock.Available);
        Assert.Equal(0, stock.Sold);
        Assert.Equal(3, stock.Restocked);
        Assert.Equal(10, stock.Received);
        Assert.True(stock.IsConserved);
    }

    [Fact]
    public void Restock_GivesBackTheBuyersAllowance_UnderACap_AndNeverTakesMoreThanWasSold()
    {
        var stock = StockItem.Create("p");
        stock.SetAvailable(10, DateTimeOffset.UtcNow);
        stock.SetPerUserLimit(2);
        var order = Guid.NewGuid();
        stock.Reserve(order, "u1", 2, DateTimeOffset.UtcNow.AddMinutes(5));
        stock.Commit(order);
        Assert.Equal(ReserveOutcome.PurchaseLimitExceeded, stock.Reserve(Guid.NewGuid(), "u1", 1, DateTimeOffset.UtcNow.AddMinutes(5)));

        Assert.False(stock.Restock(Guid.NewGuid(), "u2", 5));
        Assert.True(stock.Restock(order, "u1", 2));

        Assert.Equal(ReserveOutcome.Reserved, stock.Reserve(Guid.NewGuid(), "u1", 2, DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.True(stock.IsConserved);
    }
}
