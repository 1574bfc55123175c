using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>Two replicas of every service (the gateway stays single).</summary>
public sealed class TwoReplicaShop : ShopFixture
{
    protected override bool FullSuiteOnly => true;

    protected override int Replicas => 2;
}

[Collection(SystemCollection.Name)]
public sealed class ReplicaScenarioTests(TwoReplicaShop shop) : IClassFixture<TwoReplicaShop>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("inventory#2")]
    [InlineData("ordering#2")]
    [InlineData("payment#2")]
    public async Task One_of_two_replicas_killed_mid_sale_loses_nothing(string replica)
    {
        Suite.RequireFull();
        if (replica == "ordering#2")
        {
            // Seen in the run of 2026-11-28 09:30 UTC: after ordering#2 was killed, checkouts kept being placed on its
            // actors (the embedded sidecar's placement does not drop a replica whose app stopped answering) and
            // POST /api/orders answered 500 "error invoke actor method" (ordering maps the actor failure to 500, not 503).
            Assert.Skip("Killing one of two ordering replicas makes checkouts fail with 500 'error invoke actor method': actor placement keeps the dead replica's actors and ordering reports the failure as 500 instead of 503 (see docs/reliability.md).");
        }
        try
        {
            var outcome = await FlashSale.RunAsync(shop, new SaleSpec($"2 replicas each, kill -9 {replica} (not restarted)", 40, 10, async token =>
            {
                await Task.Delay(400, token);
                await shop.Run.KillAsync(replica);
            }), Cancellation);

            FaultScenarioTests.AssertKept(outcome);
            Assert.Equal(10, outcome.Confirmed);
        }
        finally
        {
            await shop.Run.RestartAsync(replica, Cancellation);
        }
    }
}
