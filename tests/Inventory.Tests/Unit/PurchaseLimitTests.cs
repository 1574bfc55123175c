using Flipkart.Inventory;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Flipkart.Inventory.IntegrationEvents.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Flipkart.Testing;

namespace Inventory.Tests.Unit;

/// <summary>The per-user purchase cap (OWASP API6): on one product's stock, and across a whole order.</summary>
[Unit]
public class PurchaseLimitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StockItem Capped(int available, int? limit)
    {
        var stock = StockItem.Create("p1");
        stock.SetAvailable(available, Now);
        stock.SetPerUserLimit(limit);
        return stock;
    }

    [Fact]
    public void Reserve_RefusesAnOrderLargerThanTheCap_AndHoldsNothing()
    {
        var stock = Capped(10, 2);

        Assert.Equal(ReserveOutcome.PurchaseLimitExceeded, stock.Reserve(Guid.NewGuid(), "u1", 3, Now));

        Assert.Equal((10, 0), (stock.Available, stock.Reserved));
    }

    [Fact]
    public void Reserve_CountsWhatTheUserHoldsAndBought_NotOtherUsers()
    {
        var stock = Capped(10, 2);
        var bought = Guid.NewGuid();
        stock.Reserve(bought, "u1", 1, Now);
        stock.Commit(bought);
        stock.Reserve(Guid.NewGuid(), "u1", 1, Now);

        Assert.Equal(ReserveOutcome.PurchaseLimitExceeded, stock.Reserve(Guid.NewGuid(), "u1", 1, Now));
        Assert.Equal(ReserveOutcome.Reserved, stock.Reserve(Guid.NewGuid(), "u2", 2, Now));
        Assert.Equal(2, stock.UnitsOf("u1"));
    }

    [Fact]
    public void Release_GivesTheAllowanceBack_ButASaleDoesNot()
    {
        var stock = Capped(10, 1);
        var cancelled = Guid.NewGuid();
        stock.Reserve(cancelled, "u1", 1, Now);
        stock.Release(cancelled);

        var sold = Guid.NewGuid();
        Assert.Equal(ReserveOutcome.Reserved, stock.Reserve(sold, "u1", 1, Now));
        stock.Commit(sold);

        Assert.Equal(ReserveOutcome.PurchaseLimitExceeded, stock.Reserve(Guid.NewGuid(), "u1", 1, Now));
    }

    [Fact]
    public void Reserve_RepeatedForTheSameOrder_IsNotCountedTwice()
    {
        var stock = Capped(10, 2);
        var order = Guid.NewGuid();

        Assert.Equal(ReserveOutcome.Reserved, stock.Reserve(order, "u1", 2, Now));
        Assert.Equal(ReserveOutcome.AlreadyReserved, stock.Reserve(order, "u1", 2, Now));

        Assert.Equal(2, stock.UnitsOf("u1"));
    }

    [Fact]
    public void Reserve_AnswersOutOfStockBeforeTheCap_WhenBothApply()
    {
        var stock = Capped(1, 1);

        Assert.Equal(ReserveOutcome.OutOfStock, stock.Reserve(Guid.NewGuid(), "u1", 2, Now));
    }

    [Fact]
    public void Reserve_RefusesAnOrderWithoutAUser_OnlyWhenCapped()
    {
        Assert.Equal(ReserveOutcome.PurchaseLimitExceeded, Capped(5, 3).Reserve(Guid.NewGuid(), null, 1, Now));
        Assert.Equal(ReserveOutcome.Reserved, Capped(5, null).Reserve(Guid.NewGuid(), null, 1, Now));
    }

    [Fact]
    public void Commit_RecordsBuyersOnlyWhileACapApplies()
    {
        var stock = Capped(10, null);
        var before = Guid.NewGuid();
        stock.Reserve(before, "u1", 3, Now);
        stock.Commit(before);

        stock.SetPerUserLimit(3);

        Assert.Empty(stock.SoldToUser);
        Assert.Equal(ReserveOutcome.Reserved, stock.Reserve(Guid.NewGuid(), "u1", 3, Now));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    [InlineData(-1)]
    public void SetPerUserLimit_RejectsValuesOutside1To100(int limit) =>
        Assert.Throws<InventoryDomainException>(() => Capped(1, null).SetPerUserLimit(limit));

    [Fact]
    public void RandomOperations_KeepConservation_AndNoUserEverExceedsTheCap()
    {
        const int Limit = 3;
        var random = new Random(7);
        var stock = Capped(15, Limit);
        var users = new[] { "u1", "u2", "u3", "u4" };
        var orders = Enumerable.Range(0, 40).Select(i => (Id: Guid.NewGuid(), User: users[i % users.Length])).ToArray();
        for (var step = 0; step < 3000; step++)
        {
            var (order, user) = orders[random.Next(orders.Length)];
            switch (random.Next(4))
            {
                case 0: stock.Reserve(order, user, random.Next(1, 3), Now); break;
                case 1: stock.Release(order); break;
                case 2: stock.Commit(order); break;
                default: stock.SetAvailable(random.Next(0, 10), Now); break;
            }
            Assert.True(stock.IsConserved, $"conservation broken at step {step}");
            Assert.All(users, u => Assert.InRange(stock.UnitsOf(u), 0, Limit));
        }
    }

    [Fact]
    public async Task Coordinator_FailsTheWholeOrder_WithThePurchaseLimitReason()
    {
        var ledger = new InMemoryLedger();
        var records = new InMemoryRecords();
        var events = new RecordingPublisher();
        var coordinator = new ReservationCoordinator(ledger, records, events, new FakeOrderOutcomes(), new RecordingOutcomeRetries(), new FakeTime(Now), TestOptions.Inventory(), NullLogger<ReservationCoordinator>.Instance);
        await ledger.SetAvailableAsync("a", 10, null, Ct);
        await ledger.SetAvailableAsync("b", 10, 1, Ct);
        var orderId = Guid.NewGuid();
        var order = new OrderSubmitted(Guid.NewGuid(), Now, orderId, "u1", [new OrderLine("a", 2), new OrderLine("b", 1), new OrderLine("b", 1)], 4m, Now.AddMinutes(10));

        await coordinator.ReserveAsync(order, Ct);
        await coordinator.ReserveAsync(order, Ct);   // redelivered: the same answer, nothing held

        Assert.All(events.OfType<StockReservationFailed>(), failed => Assert.Equal(("b", "purchase limit exceeded"), (failed.ProductId, failed.Reason)));
        Assert.Equal(2, events.OfType<StockReservationFailed>().Count);
        Assert.Equal((10, 0), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.Equal((10, 0), (ledger.Get("b").Available, ledger.Get("b").Reserved));
    }

    [Fact]
    public async Task Coordinator_CountsACancelledOrdersUnitsBack_AndAConfirmedOrdersNot()
    {
        var ledger = new InMemoryLedger();
        var events = new RecordingPublisher();
        var coordinator = new ReservationCoordinator(ledger, new InMemoryRecords(), events, new FakeOrderOutcomes(), new RecordingOutcomeRetries(), new FakeTime(Now), TestOptions.Inventory(), NullLogger<ReservationCoordinator>.Instance);
        await ledger.SetAvailableAsync("a", 10, 2, Ct);
        OrderSubmitted Order(Guid id, int quantity) => new(Guid.NewGuid(), Now, id, "u1", [new OrderLine("a", quantity)], 1m, Now.AddMinutes(10));
        var (cancelled, confirmed, tooMany) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        await coordinator.ReserveAsync(Order(cancelled, 2), Ct);
        await coordinator.ReleaseAsync(cancelled, "PaymentFailed", Ct);
        await coordinator.ReserveAsync(Order(confirmed, 2), Ct);
        await coordinator.CommitAsync(confirmed, Ct);
        await coordinator.ReserveAsync(Order(tooMany, 1), Ct);

        Assert.Equal([cancelled, confirmed], events.OfType<StockReserved>().Select(e => e.OrderId));
        Assert.Equal(tooMany, Assert.Single(events.OfType<StockReservationFailed>()).OrderId);
        Assert.Equal((8, 0, 2), (ledger.Get("a").Available, ledger.Get("a").Reserved, ledger.Get("a").Sold));
    }

    [Fact]
    public async Task SoldOutFlag_DoesNotFlagAProduct_RefusedOnlyForTheCap()
    {
        var inner = new InMemoryLedger();
        var gate = new SoldOutFlagLedger(inner, TestOptions.Inventory(), new FakeTime(Now), new InventoryMetrics());
        await inner.SetAvailableAsync("p", 5, 1, Ct);

        Assert.Equal(ReserveOutcome.PurchaseLimitExceeded, await gate.ReserveAsync("p", Guid.NewGuid(), "u1", 2, Now, Ct));

        Assert.Equal(ReserveOutcome.Reserved, await gate.ReserveAsync("p", Guid.NewGuid(), "u2", 1, Now, Ct));
    }
}
