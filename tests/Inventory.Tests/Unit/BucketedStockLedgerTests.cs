using Flipkart.Inventory;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Inventory.Tests.Unit;

/// <summary>One product's stock split over N stock buckets (docs/inventory-design.md, "Stock buckets").</summary>
[Unit]
public class BucketedStockLedgerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10);

    private static (InMemoryLedger Store, BucketedStockLedger Ledger) Split(int buckets, bool interleave = false)
    {
        var store = new InMemoryLedger { Interleave = interleave };
        return (store, new BucketedStockLedger(store, TestOptions.Inventory(new InventoryOptions { StockBuckets = buckets, StockBucketMinUnits = 1 })));
    }

    /// <summary>An order id whose walk starts at <paramref name="bucket"/>.</summary>
    private static Guid OrderHomedAt(int bucket, int split)
    {
        while (true)
        {
            var orderId = Guid.NewGuid();
            if (BucketedStockLedger.HomeBucket(orderId, split) == bucket)
            {
                return orderId;
            }
        }
    }

    /// <summary>A product split over as many buckets as shares given, with those units on each bucket's shelf.</summary>
    private static async Task Shelve(InMemoryLedger store, IStockLedger ledger, string productId, params int[] shares)
    {
        await ledger.SetAvailableAsync(productId, shares.Length, null, Ct);
        for (var k = 0; k < shares.Length; k++)
        {
            await store.SetShareAsync(BucketedStockLedger.BucketId(productId, k), shares[k], null, shares.Length, Ct);
        }
    }

    /// <summary>Each bucket balances, holds only its own orders, and no order is held (or taken back) in two buckets.</summary>
    private static void AssertBucketsBalance(InMemoryLedger store, string productId, int split)
    {
        var all = store.All();
        var parts = Enumerable.Range(0, split).Select(k => all.GetValueOrDefault(BucketedStockLedger.BucketId(productId, k))).OfType<StockItem>().ToList();
        Assert.All(parts, p => Assert.True(p.IsConserved, $"bucket {p.ProductId} does not balance"));
        var holds = parts.SelectMany(p => p.Reservations.Keys).ToList();
        Assert.Equal(holds.Count, holds.Distinct().Count());
        var restocked = parts.SelectMany(p => p.RestockedOrders).ToList();
        Assert.Equal(restocked.Count, restocked.Distinct().Count());
    }

    private static Task<ReserveOutcome> Reserve(IStockLedger ledger, Guid orderId, int quantity = 1, string productId = "p") =>
        ledger.ReserveAsync(productId, orderId, "user-" + orderId.ToString("N")[..6], quantity, ExpiresAt, Ct);

    [Fact]
    public async Task SetAvailable_SpreadsTheShelfOverTheBuckets_AndEveryBucketBalances()
    {
        var (store, ledger) = Split(4);

        var stock = await ledger.SetAvailableAsync("p", 10, null, Ct);
        Assert.Equal((10, 10L, 4), (stock.Available, stock.Received, stock.Buckets));
        Assert.Equal([3, 3, 2, 2], Enumerable.Range(0, 4).Select(k => store.Get(BucketedStockLedger.BucketId("p", k)).Available));

        await Reserve(ledger, OrderHomedAt(1, 4), 2);
        await ledger.SetAvailableAsync("p", 5, null, Ct); // a correction while a hold stands
        await ledger.SetAvailableAsync("p", 21, null, Ct); // and a restock

        var total = (await ledger.GetAsync("p", Ct))!;
        Assert.Equal((21, 2, 0), (total.Available, total.Reserved, total.Sold));
        Assert.Equal(total.Available + total.Reserved + total.Sold, total.Received);
        Assert.True(total.IsConserved);
        AssertBucketsBalance(store, "p", 4);
        Assert.Equal(21, (await ledger.GetAvailabilityAsync("p", Ct))!.Available);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(16)]
    public async Task Reserve_NeverOversells_WhenManyBuyersRaceForTheLastUnits(int split)
    {
        var (store, ledger) = Split(split, interleave: true);
        const int units = 50;
        await ledger.SetAvailableAsync("p", units, null, Ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => Task.Run(() => Reserve(ledger, Guid.NewGuid()), Ct)));

        Assert.Equal(units, outcomes.Count(o => o == ReserveOutcome.Reserved));
        Assert.Equal(400 - units, outcomes.Count(o => o == ReserveOutcome.OutOfStock));
        var total = (await ledger.GetAsync("p", Ct))!;
        Assert.Equal((0, units, units), (total.Available, total.Reserved, total.Reservations.Count));
        AssertBucketsBalance(store, "p", split);
    }

    [Fact]
    public async Task Reserve_SellsTheLastUnitsOfOneBucket_ToBuyersHashedElsewhere()
    {
        var (store, ledger) = Split(4);
        await Shelve(store, ledger, "p", 0, 0, 0, 2);

        Assert.Equal(ReserveOutcome.Reserved, await Reserve(ledger, OrderHomedAt(0, 4)));
        Assert.Equal(ReserveOutcome.Reserved, await Reserve(ledger, OrderHomedAt(1, 4)));
        store.Calls.Clear();
        Assert.Equal(ReserveOutcome.OutOfStock, await Reserve(ledger, OrderHomedAt(2, 4)));

        // Out of stock only once every bucket said so; a sold-out product answers without writing a thing.
        Assert.Equal(4, store.Calls.Keys.Count(k => k.StartsWith('p')));
        Assert.Equal(2, store.Get("p~3").Reserved);
        AssertBucketsBalance(store, "p", 4);
    }

    // The price of holding a line whole: near the end, units scattered over buckets do not add up for one line.
    [Fact]
    public async Task Reserve_RefusesALineLargerThanEveryBucketsShare_ThoughTheTotalWouldCoverIt()
    {
        var (_, ledger) = Split(4);
        await ledger.SetAvailableAsync("p", 4, null, Ct);

        Assert.Equal(ReserveOutcome.OutOfStock, await Reserve(ledger, Guid.NewGuid(), quantity: 2));
        Assert.Equal(4, (await ledger.GetAvailabilityAsync("p", Ct))!.Available);
        Assert.Equal(ReserveOutcome.Reserved, await Reserve(ledger, Guid.NewGuid(), quantity: 1));
    }

    [Fact]
    public async Task Reserve_SoldOutEverywhere_LeavesNoPassesBehind()
    {
        var (store, ledger) = Split(4);
        await Shelve(store, ledger, "p", 0, 0, 0, 0);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(ReserveOutcome.OutOfStock, await Reserve(ledger, Guid.NewGuid()));
        }
        Assert.Equal(4, store.All().Count);
        Assert.All(store.All().Values, b => Assert.Empty(b.PassedOrders));
    }

    // The safeguard: without buckets remembering the orders they passed over, the retry below reserves afresh in its
    // home bucket (stock came back there) while its first hold still stands in bucket 2: one order, two holds.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Reserve_Retried_FindsItsEarlierHold_WhenABucketItPassedGotStockBack(int bucketRestocked)
    {
        var (store, ledger) = Split(4);
        await Shelve(store, ledger, "p", 0, 0, 1, 0);
        var order = OrderHomedAt(0, 4);
        Assert.Equal(ReserveOutcome.Reserved, await Reserve(ledger, order));
        Assert.True(store.Get("p~2").Reservations.ContainsKey(order));

        // A unit comes back in a bucket this order walked past (a release, a restock, an admin correction)…
        await store.SetShareAsync(BucketedStockLedger.BucketId("p", bucketRestocked), 1, null, 4, Ct);

        // …and the order's reservation is retried (a redelivered OrderSubmitted after a crash).
        Assert.Equal(ReserveOutcome.AlreadyReserved, await Reserve(ledger, order));

        var total = (await ledger.GetAsync("p", Ct))!;
        Assert.Equal((1, 1), (total.Reserved, total.Available));
        AssertBucketsBalance(store, "p", 4);
    }

    [Fact]
    public async Task Reserve_ConcurrentDeliveriesOfOneOrder_HoldItOnce_WhileStockComesBack()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 300; trial++)
        {
            var (store, ledger) = Split(4, interleave: true);
            var product = $"p{trial}";
            var shares = new int[4];
            shares[1 + trial % 3] = 1;
            await Shelve(store, ledger, product, shares);
            var order = OrderHomedAt(0, 4);

            // The second delivery and the unit coming back home start a random number of steps behind the first.
            var outcomes = await Task.WhenAll(
                Task.Run(() => Reserve(ledger, order, productId: product), Ct),
                Task.Run(async () => { await StepsAsync(random.Next(12)); return await Reserve(ledger, order, productId: product); }, Ct),
                Task.Run(async () => { await StepsAsync(random.Next(12)); await store.SetShareAsync(product, 1, null, 4, Ct); return ReserveOutcome.Reserved; }, Ct));

            var holds = store.All().Where(b => b.Key.StartsWith(product + "~") || b.Key == product).Count(b => b.Value.Reservations.ContainsKey(order));
            Assert.True(holds == 1, $"trial {trial}: order held in {holds} buckets ({string.Join(", ", outcomes)})");
            AssertBucketsBalance(store, product, 4);
        }
    }

    private static async Task StepsAsync(int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            await Task.Yield();
        }
    }

    [Fact]
    public async Task CommitReleaseAndRestock_ReachTheBucketThatHoldsTheOrder_Once()
    {
        var (store, ledger) = Split(4);
        await Shelve(store, ledger, "p", 0, 0, 0, 2);
        var (sold, released) = (OrderHomedAt(1, 4), OrderHomedAt(2, 4));
        await Reserve(ledger, sold);
        await Reserve(ledger, released);

        Assert.True(await ledger.CommitAsync("p", sold, Ct));
        Assert.False(await ledger.CommitAsync("p", sold, Ct));
        Assert.True(await ledger.ReleaseAsync("p", released, Ct));
        Assert.False(await ledger.ReleaseAsync("p", released, Ct));
        Assert.False(await ledger.ReleaseAsync("p", Guid.NewGuid(), Ct)); // held nowhere: a no-op
        Assert.Equal((1, 0, 1), (store.Get("p~3").Available, store.Get("p~3").Reserved, store.Get("p~3").Sold));

        Assert.True(await ledger.RestockAsync("p", sold, null, 1, Ct));
        // A retry after more units were sold in a bucket earlier in the walk still takes the order back only once.
        await store.SetShareAsync("p~1", 1, null, 4, Ct);
        var other = OrderHomedAt(1, 4);
        await Reserve(ledger, other);
        await ledger.CommitAsync("p", other, Ct);
        Assert.False(await ledger.RestockAsync("p", sold, null, 1, Ct));

        var total = (await ledger.GetAsync("p", Ct))!;
        Assert.Equal((2, 0, 1), (total.Available, total.Reserved, total.Sold));
        Assert.True(total.IsConserved);
        AssertBucketsBalance(store, "p", 4);
    }

    [Fact]
    public async Task SetAvailable_KeepsACappedProductWhole_SoItsCapCountsEveryUnitOfAUser()
    {
        var (store, ledger) = Split(4);
        var stock = await ledger.SetAvailableAsync("p", 12, perUserLimit: 2, Ct);
        Assert.Equal((12, 1), (stock.Available, stock.Buckets));
        Assert.Equal(["p"], store.All().Keys);

        // Orders hashed to every bucket, one user: a cap per bucket would let them buy 2 in each.
        var outcomes = new List<ReserveOutcome>();
        for (var bucket = 0; bucket < 4; bucket++)
        {
            outcomes.Add(await ledger.ReserveAsync("p", OrderHomedAt(bucket, 4), "user-1", 1, ExpiresAt, Ct));
        }
        Assert.Equal([ReserveOutcome.Reserved, ReserveOutcome.Reserved, ReserveOutcome.PurchaseLimitExceeded, ReserveOutcome.PurchaseLimitExceeded], outcomes);

        // It stays whole when the cap is lifted: its split was fixed when its stock was first set.
        Assert.Equal(1, (await ledger.SetAvailableAsync("p", 10, null, Ct)).Buckets);
        Assert.Equal(ReserveOutcome.Reserved, await ledger.ReserveAsync("p", Guid.NewGuid(), "user-1", 1, ExpiresAt, Ct));
        Assert.Equal(["p"], store.All().Keys);
    }

    [Fact]
    public async Task SetAvailable_RefusesACap_OnASplitProduct_AndChangesNothing()
    {
        var (store, ledger) = Split(4);
        await ledger.SetAvailableAsync("p", 8, null, Ct);

        var refused = await Assert.ThrowsAsync<ConflictException>(() => ledger.SetAvailableAsync("p", 20, perUserLimit: 1, Ct));

        Assert.Contains("4 stock buckets", refused.Message);
        var total = (await ledger.GetAsync("p", Ct))!;
        Assert.Equal((8, (int?)null), (total.Available, total.PerUserLimit));
        Assert.All(store.All().Values, b => Assert.Null(b.PerUserLimit));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(199, 1)]
    [InlineData(200, 2)]
    [InlineData(450, 4)]
    [InlineData(100_000, 16)]
    public async Task SetAvailable_SplitsANewProduct_OnlyAsFarAsItsFirstStockFillsTheBuckets(int available, int expectedSplit)
    {
        var store = new InMemoryLedger();
        var ledger = new BucketedStockLedger(store, TestOptions.Inventory(new InventoryOptions { StockBuckets = 16, StockBucketMinUnits = 100 }));

        Assert.Equal(expectedSplit, (await ledger.SetAvailableAsync("p", available, null, Ct)).Buckets);
        Assert.Equal(expectedSplit, store.All().Count);

        // Fixed from then on, whatever later PUTs bring.
        Assert.Equal(expectedSplit, (await ledger.SetAvailableAsync("p", 100_000 - available, null, Ct)).Buckets);
        Assert.Equal(expectedSplit, store.All().Count);
    }

    [Fact]
    public async Task Reads_AnswerUnknownProduct_UntilItsStockIsSet()
    {
        var (_, ledger) = Split(4);
        Assert.Null(await ledger.GetAsync("p", Ct));
        Assert.Null(await ledger.GetAvailabilityAsync("p", Ct));
        Assert.Equal(ReserveOutcome.UnknownProduct, await Reserve(ledger, Guid.NewGuid()));
        Assert.False(await ledger.ReleaseAsync("p", Guid.NewGuid(), Ct));
    }

    // Random walks through what the saga does to a split product, with duplicates and retries of every step: after
    // each step every bucket balances, the whole product balances against what was put on the shelf, and no order is
    // held in two buckets.
    [Theory]
    [InlineData(4, 1, 600)]
    [InlineData(4, 2, 600)]
    [InlineData(16, 3, 300)]
    [InlineData(16, 4, 300)]
    public async Task RandomOperations_KeepEveryBucketAndTheProductBalanced(int split, int seed, int steps)
    {
        var random = new Random(seed);
        var (store, ledger) = Split(split);
        await ledger.SetAvailableAsync("p", 30, null, Ct);
        var orders = new List<(Guid Id, int Quantity)>();
        var held = new HashSet<Guid>();
        var sold = new HashSet<Guid>();

        for (var step = 0; step < steps; step++)
        {
            var roll = random.Next(100);
            if (roll < 45 || orders.Count == 0)
            {
                // A new order, or a retry of an earlier one's reservation.
                var (id, quantity) = orders.Count > 0 && random.Next(3) == 0 ? orders[random.Next(orders.Count)] : (Guid.NewGuid(), 1 + random.Next(3));
                if (!orders.Contains((id, quantity)))
                {
                    orders.Add((id, quantity));
                }
                if (sold.Contains(id))
                {
                    continue; // the saga never reserves a sold order again (its record is Committed)
                }
                var outcome = await Reserve(ledger, id, quantity);
                if (outcome is ReserveOutcome.Reserved or ReserveOutcome.AlreadyReserved)
                {
                    held.Add(id);
                }
                Assert.True(outcome != ReserveOutcome.AlreadyReserved || held.Contains(id));
            }
            else if (roll < 65)
            {
                var (id, _) = orders[random.Next(orders.Count)];
                var released = await ledger.ReleaseAsync("p", id, Ct);
                Assert.Equal(held.Remove(id), released);
            }
            else if (roll < 85)
            {
                var (id, _) = orders[random.Next(orders.Count)];
                var committed = await ledger.CommitAsync("p", id, Ct);
                Assert.Equal(held.Remove(id), committed);
                if (committed)
                {
                    sold.Add(id);
                }
            }
            else if (roll < 95)
            {
                var (id, quantity) = orders[random.Next(orders.Count)];
                if (sold.Contains(id))
                {
                    await ledger.RestockAsync("p", id, null, quantity, Ct);
                }
            }
            else
            {
                await ledger.SetAvailableAsync("p", random.Next(40), null, Ct);
            }

            var total = (await ledger.GetAsync("p", Ct))!;
            Assert.True(total.IsConserved, $"step {step}: the product does not balance");
            Assert.Equal(held.Order(), total.Reservations.Keys.Order());
            AssertBucketsBalance(store, "p", split);
        }
    }
}
