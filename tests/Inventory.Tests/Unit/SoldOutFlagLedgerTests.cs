using Flipkart.Inventory;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Flipkart.Testing;

namespace Inventory.Tests.Unit;

[Unit]
public class SoldOutFlagLedgerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly InMemoryLedger inner = new();
    private readonly FakeTime time = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
    private readonly SoldOutFlagLedger gate;

    public SoldOutFlagLedgerTests()
    {
        gate = new SoldOutFlagLedger(inner, TestOptions.Inventory(new InventoryOptions { SoldOutFlagTtl = TimeSpan.FromSeconds(2) }), time, new InventoryMetrics());
    }

    [Fact]
    public async Task ReserveAsync_RefusesWithoutAskingLedger_AfterProductSoldOut()
    {
        await inner.SetAvailableAsync("p", 1, Ct);
        Assert.Equal(ReserveOutcome.Reserved, await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, time.GetUtcNow(), Ct));
        Assert.Equal(ReserveOutcome.OutOfStock, await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, time.GetUtcNow(), Ct));
        var callsWhenFlagged = inner.ReserveCalls;

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(ReserveOutcome.OutOfStock, await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, time.GetUtcNow(), Ct));
        }
        Assert.Equal(callsWhenFlagged, inner.ReserveCalls);
    }

    [Fact]
    public async Task ReserveAsync_AsksLedgerAgain_AfterFlagExpires()
    {
        await inner.SetAvailableAsync("p", 0, Ct);
        await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, time.GetUtcNow(), Ct);
        await inner.SetAvailableAsync("p", 1, Ct);   // restocked through another replica: this gate did not see it

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(ReserveOutcome.Reserved, await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, time.GetUtcNow(), Ct));
    }

    [Fact]
    public async Task ReleaseAsync_ClearsFlag_SoReturnedUnitsSellAtOnce()
    {
        await inner.SetAvailableAsync("p", 1, Ct);
        var first = Guid.NewGuid();
        await gate.ReserveAsync("p", first, "user-1", 1, time.GetUtcNow(), Ct);
        await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, time.GetUtcNow(), Ct);

        await gate.ReleaseAsync("p", first, Ct);

        Assert.Equal(ReserveOutcome.Reserved, await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, time.GetUtcNow(), Ct));
    }

    [Fact]
    public async Task ReserveAsync_DoesNotFlag_WhenUnitsRemainButTooFewForThisBuyer()
    {
        await inner.SetAvailableAsync("p", 2, Ct);
        Assert.Equal(ReserveOutcome.OutOfStock, await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 3, time.GetUtcNow(), Ct));
        Assert.Equal(ReserveOutcome.Reserved, await gate.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, time.GetUtcNow(), Ct));
    }
}
