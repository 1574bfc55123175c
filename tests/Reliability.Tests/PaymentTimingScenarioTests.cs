using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>A provider slower than the sidecar's delivery timeout (10 s) with reservations that expire after 4 s.</summary>
public sealed class SlowProviderShop : ShopFixture
{
    protected override bool FaultScenariosOnly => true;

    protected override Dictionary<string, Dictionary<string, string>> Settings => new()
    {
        ["payment"] = new() { ["PaymentOptions__Latency"] = "00:00:12" },
        ["ordering"] = new() { ["OrderingOptions__ReservationTimeout"] = "00:00:04" },
    };
}

/// <summary>Payment takes about as long as a reservation lasts, so some payments arrive after the order expired.</summary>
public sealed class ExpiryRaceShop : ShopFixture
{
    protected override bool FaultScenariosOnly => true;

    protected override Dictionary<string, Dictionary<string, string>> Settings => new()
    {
        ["payment"] = new() { ["PaymentOptions__Latency"] = "00:00:01.500" },
        ["ordering"] = new() { ["OrderingOptions__ReservationTimeout"] = "00:00:01.500" },
    };
}

[Collection(SystemLanes.Others)]
public sealed class SlowProviderScenarioTests(SlowProviderShop shop) : IClassFixture<SlowProviderShop>
{
    [Fact]
    public async Task A_provider_slower_than_the_timeout_leaves_orders_cancelled_and_stock_returned()
    {
        Suite.RequireFaultScenarios();
        var outcome = await FlashSale.RunAsync(shop, new SaleSpec("payment latency 12 s > deliver timeout 10 s, reservation 4 s", 30, 10), TestContext.Current.CancellationToken);

        var violations = outcome.Violations();
        var counters = await PubSubCountersAsync(shop);
        TestContext.Current.TestOutputHelper?.WriteLine($"{outcome.Summary()}{Environment.NewLine}pub/sub counters: {counters}");
        Assert.True(violations.Count == 0, $"{outcome.Summary()}{Environment.NewLine}{string.Join(Environment.NewLine, violations)}{Environment.NewLine}" +
            $"pub/sub counters: {counters}{Environment.NewLine}{shop.Tail(300)}");
        // No payment lands before its reservation expires; buyers beyond the stock are turned away as out of stock.
        Assert.All(outcome.Orders, o => Assert.Equal("Cancelled", o.Outcome));
        Assert.All(outcome.Orders, o => Assert.Contains(o.Reason, new[] { "ReservationExpired", "OutOfStock" }));
    }

    /// <summary>The embedded broker's delivery counters (delivered, retried, failed… per topic and app), for a failure message.</summary>
    private static async Task<string> PubSubCountersAsync(SlowProviderShop shop)
    {
        var sidecar = shop.Run.Replicas[0];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            return await http.GetStringAsync(new Uri($"http://127.0.0.1:{sidecar.DaprHttpPort}/embedded/pubsub/counters"), TestContext.Current.CancellationToken);
        }
        catch (HttpRequestException e)
        {
            return $"unavailable ({e.Message})";
        }
    }
}

[Collection(SystemLanes.Others)]
public sealed class ExpiryRaceScenarioTests(ExpiryRaceShop shop) : IClassFixture<ExpiryRaceShop>
{
    [Fact]
    public async Task A_payment_racing_reservation_expiry_is_either_kept_with_the_order_or_refunded_never_both()
    {
        Suite.RequireFaultScenarios();
        var outcome = await FlashSale.RunAsync(shop, new SaleSpec("reservation 1.5 s racing payment latency 1.5 s", 40, 15), TestContext.Current.CancellationToken);

        // The invariants say it: a Confirmed order has one charge and no refund; a Cancelled one has as many refunds as charges.
        FaultScenarioTests.AssertKept(outcome, shop);
        Assert.Contains(outcome.Orders, o => o.Reason == "ReservationExpired");
    }
}
