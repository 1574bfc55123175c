using Flipkart.ReliabilityTests.Infrastructure;
using static Flipkart.ReliabilityTests.FaultScenarioTests;

namespace Flipkart.ReliabilityTests;

/// <summary>
/// Processes killed and restarted mid-sale, and a declining payment provider, on a single-replica shop of their own:
/// a lane beside the sidecar-fault scenarios, so the two halves of what was one class run at once.
/// </summary>
[Collection(SystemLanes.ProcessKills)]
public sealed partial class ProcessKillScenarioTests(SingleReplicaShop shop) : IClassFixture<SingleReplicaShop>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("inventory")]
    [InlineData("ordering")]
    [InlineData("payment")]
    [InlineData("notification")]
    [InlineData("cart")]
    [InlineData("fulfilment")]
    public async Task A_service_killed_mid_sale_and_restarted_keeps_every_promise(string appId)
    {
        Suite.RequireFaultScenarios();
        var outcome = await FlashSale.RunAsync(shop, new SaleSpec($"kill -9 {appId}, restart after 3 s", Buyers, Units, async token =>
        {
            await Task.Delay(400, token);
            await shop.Run.KillAsync(appId);
            await Task.Delay(3000, token);
            await shop.Run.RestartAsync(appId, token);
        }), Cancellation);

        AssertKept(outcome, shop);
        Assert.Equal(Units, outcome.Confirmed);
    }

    [Fact]
    public async Task A_declining_payment_provider_cancels_cleanly_and_returns_the_stock()
    {
        Suite.RequireFaultScenarios();
        // Every second buyer's card is declined (the simulated provider's decline- rule).
        var outcome = await FlashSale.RunAsync(shop, new SaleSpec("failing payment provider (every 2nd card declined)", Buyers, Units, DecliningBuyers: 2), Cancellation);

        AssertKept(outcome, shop);
        Assert.Contains(outcome.Orders, o => o.Reason == "PaymentFailed");
        Assert.All(outcome.Orders.Where(o => o.UserId.StartsWith("decline-", StringComparison.Ordinal)), o => Assert.Equal("Cancelled", o.Outcome));
    }
}
