using System.Collections.Concurrent;
using Flipkart.Ordering.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Infrastructure;

[Unit]
public sealed class BuyNowGateTests
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan KeepLastKnown = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
    private readonly FakeInventory inventory = new();

    private BuyNowGate Gate(int maxProducts = 100) => new(inventory, clock, new BuyNowGateSettings(Freshness, FetchTimeout, KeepLastKnown, maxProducts));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StockStatus.InStock, 40, null, 1, GateDecision.Proceed)]
    [InlineData(StockStatus.FewLeft, 3, null, 2, GateDecision.Proceed)]
    [InlineData(StockStatus.OutOfStock, 0, null, 1, GateDecision.SoldOut)]
    [InlineData(StockStatus.InStock, 0, null, 1, GateDecision.SoldOut)]
    [InlineData(StockStatus.InStock, 40, 1, 1, GateDecision.Proceed)]
    [InlineData(StockStatus.InStock, 40, 1, 2, GateDecision.OverPurchaseLimit)]
    [InlineData(StockStatus.OutOfStock, 0, 1, 2, GateDecision.SoldOut)]
    public async Task CheckAsync_DecidesFromTheSnapshot_WhenInventoryAnswers(StockStatus status, int available, int? perUserLimit, int quantity, GateDecision expected)
    {
        inventory.Set("p-1", status, available, perUserLimit);

        var (decision, _) = await Gate().CheckAsync("p-1", quantity, Ct);

        Assert.Equal(expected, decision);
    }

    [Fact]
    public async Task RecordSoldOut_RefusesBuyersUntilTheNextRefresh_ThenInventoryDecidesAgain()
    {
        inventory.Set("p-1", StockStatus.InStock, 40, 2);
        var gate = Gate();
        Assert.Equal(GateDecision.Proceed, (await gate.CheckAsync("p-1", 1, Ct)).Decision);

        // A refused hold: inventory knows better than the snapshot.
        clock.Advance(TimeSpan.FromMilliseconds(100));
        gate.RecordSoldOut("p-1");
        var (decision, availability) = await gate.CheckAsync("p-1", 1, Ct);
        Assert.Equal((GateDecision.SoldOut, 2), (decision, availability!.PerUserLimit));
        Assert.Equal(1, inventory.Calls("p-1"));

        // Advisory only: a freshness interval later inventory is asked again (a restock shows up).
        clock.Advance(Freshness);
        Assert.Equal(GateDecision.Proceed, (await gate.CheckAsync("p-1", 1, Ct)).Decision);
        Assert.Equal(2, inventory.Calls("p-1"));
    }

    [Fact]
    public async Task CheckAsync_ReportsUnknownProduct_WhenInventoryHasNoStockRecord()
    {
        var (decision, availability) = await Gate().CheckAsync("nope", 1, Ct);

        Assert.Equal(GateDecision.UnknownProduct, decision);
        Assert.Null(availability);
    }

    [Fact]
    public async Task CheckAsync_AsksInventoryOncePerFreshnessInterval_WhenCalledRepeatedly()
    {
        inventory.Set("p-1", StockStatus.OutOfStock, 0, null);
        var gate = Gate();

        for (var i = 0; i < 1_000; i++)
        {
            Assert.Equal(GateDecision.SoldOut, (await gate.CheckAsync("p-1", 1, Ct)).Decision);
        }
        Assert.Equal(1, inventory.Calls("p-1"));

        clock.Advance(Freshness - TimeSpan.FromMilliseconds(1));
        await gate.CheckAsync("p-1", 1, Ct);
        Assert.Equal(1, inventory.Calls("p-1"));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await gate.CheckAsync("p-1", 1, Ct);
        Assert.Equal(2, inventory.Calls("p-1"));
    }

    [Fact]
    public async Task CheckAsync_SeesARestock_OnlyAfterTheSnapshotIsStale()
    {
        inventory.Set("p-1", StockStatus.OutOfStock, 0, null);
        var gate = Gate();
        Assert.Equal(GateDecision.SoldOut, (await gate.CheckAsync("p-1", 1, Ct)).Decision);

        inventory.Set("p-1", StockStatus.InStock, 50, null);
        Assert.Equal(GateDecision.SoldOut, (await gate.CheckAsync("p-1", 1, Ct)).Decision);

        clock.Advance(Freshness);
        Assert.Equal(GateDecision.Proceed, (await gate.CheckAsync("p-1", 1, Ct)).Decision);
    }

    [Fact]
    public async Task CheckAsync_SharesOneInventoryCall_AmongConcurrentCallers()
    {
        inventory.Set("p-1", StockStatus.OutOfStock, 0, null);
        var pending = inventory.HoldNextCall();
        var gate = Gate();

        var checks = Enumerable.Range(0, 200).Select(_ => Task.Run(() => gate.CheckAsync("p-1", 1, Ct), Ct)).ToList();
        await pending.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        // Give the callers time to arrive while the one call is outstanding (any that come later find a fresh
        // snapshot: the fake clock does not move, so they must not call either).
        await Task.Delay(100, Ct);
        Assert.All(checks, c => Assert.False(c.IsCompleted));
        pending.Release();

        var decisions = await Task.WhenAll(checks);
        Assert.All(decisions, d => Assert.Equal(GateDecision.SoldOut, d.Decision));
        Assert.Equal(1, inventory.Calls("p-1"));
    }

    [Fact]
    public async Task CheckAsync_KeepsProductsApart()
    {
        inventory.Set("hot", StockStatus.OutOfStock, 0, null);
        inventory.Set("cold", StockStatus.InStock, 9, null);
        var gate = Gate();

        Assert.Equal(GateDecision.SoldOut, (await gate.CheckAsync("hot", 1, Ct)).Decision);
        Assert.Equal(GateDecision.Proceed, (await gate.CheckAsync("cold", 1, Ct)).Decision);
        Assert.Equal((1, 1), (inventory.Calls("hot"), inventory.Calls("cold")));
    }

    [Fact]
    public async Task CheckAsync_KeepsTheLastAnswer_WhileInventoryFailsWithinTheWindow()
    {
        inventory.Set("p-1", StockStatus.OutOfStock, 0, null);
        var gate = Gate();
        await gate.CheckAsync("p-1", 1, Ct);

        inventory.FailAll = true;
        clock.Advance(Freshness);
        Assert.Equal(GateDecision.SoldOut, (await gate.CheckAsync("p-1", 1, Ct)).Decision);
        // A failed attempt also counts as a check: the next one waits a freshness interval, no retry storm.
        await gate.CheckAsync("p-1", 1, Ct);
        Assert.Equal(2, inventory.Calls("p-1"));

        clock.Advance(KeepLastKnown);
        Assert.Equal(GateDecision.Proceed, (await gate.CheckAsync("p-1", 1, Ct)).Decision);
    }

    [Fact]
    public async Task CheckAsync_LetsBuyersThrough_WhenInventoryHasNeverAnswered()
    {
        inventory.FailAll = true;

        Assert.Equal(GateDecision.Proceed, (await Gate().CheckAsync("p-1", 1, Ct)).Decision);
    }

    [Fact]
    public async Task CheckAsync_LetsBuyersThrough_WhenTheSourceThrows()
    {
        inventory.Throw = true;

        Assert.Equal(GateDecision.Proceed, (await Gate().CheckAsync("p-1", 1, Ct)).Decision);
    }

    [Fact]
    public async Task CheckAsync_LetsBuyersThrough_WhenInventoryDoesNotAnswerInTime()
    {
        inventory.Set("p-1", StockStatus.OutOfStock, 0, null);
        var pending = inventory.HoldNextCall();
        var check = Gate().CheckAsync("p-1", 1, Ct);
        await pending.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        clock.Advance(FetchTimeout);

        Assert.Equal(GateDecision.Proceed, (await check.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Decision);
    }

    [Fact]
    public async Task CheckAsync_FinishesTheSharedCall_WhenOneCallerGivesUp()
    {
        inventory.Set("p-1", StockStatus.OutOfStock, 0, null);
        var pending = inventory.HoldNextCall();
        var gate = Gate();
        using var impatient = new CancellationTokenSource();
        var first = gate.CheckAsync("p-1", 1, impatient.Token);
        await pending.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var second = gate.CheckAsync("p-1", 1, Ct);

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        pending.Release();

        Assert.Equal(GateDecision.SoldOut, (await second.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Decision);
        Assert.Equal(1, inventory.Calls("p-1"));
    }

    [Fact]
    public async Task CheckAsync_StillAnswers_WhenMoreProductsThanTheCacheHolds()
    {
        var gate = Gate(maxProducts: 2);
        for (var i = 0; i < 5; i++)
        {
            inventory.Set($"p-{i}", StockStatus.OutOfStock, 0, null);
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(GateDecision.SoldOut, (await gate.CheckAsync($"p-{i}", 1, Ct)).Decision);
        }
        // The first two are cached; the rest are asked every time rather than growing the cache.
        await gate.CheckAsync("p-0", 1, Ct);
        await gate.CheckAsync("p-4", 1, Ct);
        Assert.Equal((1, 2), (inventory.Calls("p-0"), inventory.Calls("p-4")));

        // Once the cached ones are stale, the sweep makes room again.
        clock.Advance(Freshness);
        await gate.CheckAsync("p-4", 1, Ct);
        await gate.CheckAsync("p-4", 1, Ct);
        Assert.Equal(3, inventory.Calls("p-4"));
    }

    private sealed class FakeInventory : IAvailabilitySource
    {
        private readonly ConcurrentDictionary<string, ProductAvailability> products = new();
        private readonly ConcurrentDictionary<string, int> calls = new();
        private PendingCall? held;

        public bool FailAll { get; set; }
        public bool Throw { get; set; }

        public void Set(string productId, StockStatus status, int available, int? perUserLimit) =>
            products[productId] = new ProductAvailability(productId, status, available, perUserLimit);

        public int Calls(string productId) => calls.GetValueOrDefault(productId);

        public PendingCall HoldNextCall() => held = new PendingCall();

        public async Task<AvailabilityLookup> GetAsync(string productId, CancellationToken cancellationToken)
        {
            calls.AddOrUpdate(productId, 1, (_, n) => n + 1);
            if (Interlocked.Exchange(ref held, null) is { } pending)
            {
                pending.Reached.TrySetResult();
                await pending.Released.Task.WaitAsync(cancellationToken);
            }
            if (Throw)
            {
                throw new InvalidOperationException("inventory client bug");
            }
            if (FailAll)
            {
                return new AvailabilityLookup.Failed("inventory answered 500");
            }
            return products.TryGetValue(productId, out var availability) ? new AvailabilityLookup.Found(availability) : new AvailabilityLookup.NotFound();
        }
    }

    private sealed class PendingCall
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => Released.TrySetResult();
    }
}
