using Flipkart.Inventory;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Flipkart.Testing;

namespace Inventory.Tests.Unit;

[Unit]
public sealed class AvailabilityCacheTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTime time = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
    private readonly CountingLedger ledger = new();
    private readonly InventoryMetrics metrics = new();

    private AvailabilityCache Cache(TimeSpan? ttl = null) =>
        new(ledger, TestOptions.Inventory(new InventoryOptions { AvailabilityCacheTtl = ttl ?? TimeSpan.FromMilliseconds(250) }), time, metrics);

    [Theory]
    [InlineData(0, AvailabilityStatus.OutOfStock)]
    [InlineData(1, AvailabilityStatus.FewLeft)]
    [InlineData(5, AvailabilityStatus.FewLeft)]
    [InlineData(6, AvailabilityStatus.InStock)]
    public void Status_FollowsTheUnitsOnTheShelf(int available, AvailabilityStatus expected) =>
        Assert.Equal(expected, new StockAvailability(available, null).Status);

    [Fact]
    public async Task GetAsync_ReusesTheAnswer_WithinTheTtl()
    {
        await ledger.Inner.SetAvailableAsync("p", 7, Ct);
        var cache = Cache();

        Assert.Equal(7, (await cache.GetAsync("p", Ct))!.Available);
        await ledger.Inner.SetAvailableAsync("p", 3, Ct);
        time.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Equal(7, (await cache.GetAsync("p", Ct))!.Available);
        Assert.Equal(1, ledger.Calls);
        Assert.Equal(1, metrics.AvailabilityLedgerReadTotal);
    }

    [Fact]
    public async Task GetAsync_AsksTheLedgerAgain_OnceTheTtlHasPassed()
    {
        await ledger.Inner.SetAvailableAsync("p", 7, Ct);
        var cache = Cache();
        await cache.GetAsync("p", Ct);
        await ledger.Inner.SetAvailableAsync("p", 3, Ct);

        time.Advance(TimeSpan.FromMilliseconds(250));

        Assert.Equal(3, (await cache.GetAsync("p", Ct))!.Available);
        Assert.Equal(2, ledger.Calls);
    }

    [Fact]
    public async Task GetAsync_SharesOneLedgerCall_AmongConcurrentReaders()
    {
        await ledger.Inner.SetAvailableAsync("p", 7, Ct);
        ledger.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cache = Cache(TimeSpan.Zero);

        var readers = Enumerable.Range(0, 20).Select(_ => cache.GetAsync("p", Ct)).ToList();
        ledger.Hold.SetResult();
        var answers = await Task.WhenAll(readers);

        Assert.All(answers, a => Assert.Equal(7, a!.Available));
        Assert.Equal(1, ledger.Calls);
    }

    [Fact]
    public async Task GetAsync_RemembersUnknownProducts_AndInvalidateForgetsThem()
    {
        var cache = Cache();
        Assert.Null(await cache.GetAsync("p", Ct));
        await ledger.Inner.SetAvailableAsync("p", 2, Ct);
        Assert.Null(await cache.GetAsync("p", Ct));

        cache.Invalidate("p");

        Assert.Equal(new StockAvailability(2, null), await cache.GetAsync("p", Ct));
        Assert.Equal(2, ledger.Calls);
    }

    [Fact]
    public async Task GetAsync_DoesNotKeepAFailure()
    {
        await ledger.Inner.SetAvailableAsync("p", 4, Ct);
        var cache = Cache();
        ledger.FailNext = true;

        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync("p", Ct));

        Assert.Equal(4, (await cache.GetAsync("p", Ct))!.Available);
    }

    [Fact]
    public async Task GetAsync_PrunesStaleEntries_WhenCallersAskForManyIds()
    {
        var cache = Cache();
        for (var i = 0; i <= AvailabilityCache.PruneAbove; i++)
        {
            await cache.GetAsync($"p{i}", Ct);
        }
        time.Advance(TimeSpan.FromSeconds(1));

        await cache.GetAsync("one-more", Ct);

        Assert.True(cache.Count < 10, $"{cache.Count} entries kept");
    }

    public void Dispose() => metrics.Dispose();

    private sealed class CountingLedger : IStockLedger
    {
        public InMemoryLedger Inner { get; } = new();
        public int Calls;
        public bool FailNext;
        public TaskCompletionSource? Hold;

        public async Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            if (Hold is not null)
            {
                await Hold.Task;
            }
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("sidecar unreachable");
            }
            return await Inner.GetAvailabilityAsync(productId, cancellationToken);
        }

        public Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
            Inner.ReserveAsync(productId, orderId, userId, quantity, expiresAt, cancellationToken);

        public Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken) => Inner.ReleaseAsync(productId, orderId, cancellationToken);

        public Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken) => Inner.CommitAsync(productId, orderId, cancellationToken);

        public Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
            Inner.RestockAsync(productId, orderId, userId, quantity, cancellationToken);

        public Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken) => Inner.GetAsync(productId, cancellationToken);

        public Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken) =>
            Inner.SetAvailableAsync(productId, available, perUserLimit, cancellationToken);
    }
}
