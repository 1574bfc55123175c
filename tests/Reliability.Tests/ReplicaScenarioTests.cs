using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>Two replicas of every service (the gateway stays single).</summary>
public sealed class TwoReplicaShop : ShopFixture
{
    protected override bool FaultScenariosOnly => true;

    protected override int Replicas => 2;
}

[Collection(SystemLanes.Others)]
public sealed class ReplicaScenarioTests(TwoReplicaShop shop) : IClassFixture<TwoReplicaShop>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("inventory#2")]
    [InlineData("ordering#2")]
    [InlineData("payment#2")]
    public async Task One_of_two_replicas_killed_mid_sale_loses_nothing(string replica)
    {
        Suite.RequireFaultScenarios();
        try
        {
            var outcome = await FlashSale.RunAsync(shop, new SaleSpec($"2 replicas each, kill -9 {replica} (not restarted)", 40, 10, async token =>
            {
                await Task.Delay(400, token);
                await shop.Run.KillAsync(replica);
            }), Cancellation);

            FaultScenarioTests.AssertKept(outcome, shop);
            Assert.Equal(10, outcome.Confirmed);
        }
        finally
        {
            await shop.Run.RestartAsync(replica, Cancellation);
        }
    }
}
