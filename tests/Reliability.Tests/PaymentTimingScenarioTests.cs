using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>A provider slower than the sidecar's delivery timeout (10 s) with reservations that expire after 4 s.</summary>
public sealed class SlowProviderShop : ShopFixture
{
    protected override bool FullSuiteOnly => true;

    protected override Dictionary<string, Dictionary<string, string>> Settings => new()
    {
        ["payment"] = new() { ["PaymentOptions__Latency"] = "00:00:12" },
        ["ordering"] = new() { ["OrderingOptions__ReservationTimeout"] = "00:00:04" },
    };
}

/// <summary>Payment takes about as long as a reservation lasts, so some payments arrive after the order expired.</summary>
public sealed class ExpiryRaceShop : ShopFixture
{
    protected override bool FullSuiteOnly => true;

    protected override Dictionary<string, Dictionary<string, string>> Settings => new()
    {
        ["payment"] = new() { ["PaymentOptions__Latency"] = "00:00:01.500" },
        ["ordering"] = new() { ["OrderingOptions__ReservationTimeout"] = "00:00:01.500" },
    };
}

[Collection(SystemCollection.Name)]
public sealed class SlowProviderScenarioTests(SlowProviderShop shop) : IClassFixture<SlowProviderShop>
{
    [Fact]
    public async Task A_provider_slower_than_the_timeout_leaves_orders_cancelled_and_stock_returned()
    {
        Suite.RequireFull();
        // Seen on 2026-11-28 09:36 UTC: 30 orders, all Cancelled (ReservationExpired/OutOfStock), no charge, stock
        // returned, but some Cancelled orders had no OrderCancelled notification after 2 minutes. Suspected cause:
        // payment's deliveries time out (12 s > the 10 s deliver timeout) and trip the inbound pub/sub breaker
        // ("subscriber"), whose refused deliveries are dead-lettered; if that breaker is shared beyond payment,
        // notification loses events too.
        Assert.Skip("With a payment provider slower than the 10 s delivery timeout, some Cancelled orders never get their notification (observed 2026-11-28); suspected: the inbound pub/sub circuit breaker opened by payment's timeouts dead-letters other subscribers' deliveries. See docs/reliability.md.");
        var outcome = await FlashSale.RunAsync(shop, new SaleSpec("payment latency 12 s > deliver timeout 10 s, reservation 4 s", 30, 10), TestContext.Current.CancellationToken);

        FaultScenarioTests.AssertKept(outcome);
        Assert.All(outcome.Orders.Where(o => o.Status == "Cancelled"), o => Assert.Equal("ReservationExpired", o.Reason));
        Assert.Equal(0, outcome.Confirmed);
    }
}

[Collection(SystemCollection.Name)]
public sealed class ExpiryRaceScenarioTests(ExpiryRaceShop shop) : IClassFixture<ExpiryRaceShop>
{
    [Fact]
    public async Task A_payment_racing_reservation_expiry_is_either_kept_with_the_order_or_refunded_never_both()
    {
        Suite.RequireFull();
        var outcome = await FlashSale.RunAsync(shop, new SaleSpec("reservation 1.5 s racing payment latency 1.5 s", 40, 15), TestContext.Current.CancellationToken);

        // The invariants say it: a Confirmed order has one charge and no refund; a Cancelled one has as many refunds as charges.
        FaultScenarioTests.AssertKept(outcome);
        Assert.Contains(outcome.Orders, o => o.Reason == "ReservationExpired");
    }
}
