using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.DevHost;
using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>One system, single replicas: processes killed and restarted mid-sale, sidecar faults, a declining provider (two systems of this kind, one per lane).</summary>
public sealed class SingleReplicaShop : ShopFixture
{
    // The simulated warehouse rejects no return, so a return's refund and restock are certain.
    protected override Dictionary<string, Dictionary<string, string>> Settings => new()
    {
        ["fulfilment"] = new() { ["FulfilmentOptions__InspectionRejectionRate"] = "0" },
    };
}

/// <summary>Sidecar faults and broker outages during a sale, and the edge probes (the partial files beside this one).</summary>
[Collection(SystemLanes.FaultScenarios)]
public sealed partial class FaultScenarioTests(SingleReplicaShop shop) : IClassFixture<SingleReplicaShop>
{
    internal const int Buyers = 30;
    internal const int Units = 10;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("duplicate every delivery", "duplicate=1")]
    [InlineData("reorder deliveries (window 8)", "reorder=8")]
    [InlineData("delay every delivery 100 ms", "delay=100ms")]
    [InlineData("fail the first 20 deliveries", "failDeliveries=20")]
    public async Task A_sidecar_fault_during_the_sale_breaks_no_promise(string scenario, string faults)
    {
        Suite.RequireFaultScenarios();
        await shop.SetFaultsAsync(faults, Cancellation);
        try
        {
            var outcome = await FlashSale.RunAsync(shop, new SaleSpec($"sidecar: {scenario}", Buyers, Units), Cancellation);
            AssertKept(outcome, shop);
        }
        finally
        {
            await shop.SetFaultsAsync("", Cancellation);
        }
    }

    [Fact]
    public async Task Publishes_failing_for_3_s_during_the_sale_break_no_promise()
    {
        Suite.RequireFaultScenarios();
        // The broker refuses every publish for 3 s from the moment buying starts: checkouts meet the outbox failing,
        // answer 503 with Retry-After (never 500, which BuyAsync would report), and the buyers' retries with the same
        // Idempotency-Key place exactly one order each once the broker is back.
        try
        {
            var outcome = await FlashSale.RunAsync(shop, new SaleSpec("sidecar: publishes fail for 3 s", Buyers, Units,
                token => shop.SetFaultsAsync("failPublishesFor=3s", token)), Cancellation);

            AssertKept(outcome, shop);
            Assert.Equal(Units, outcome.Confirmed);
        }
        finally
        {
            await shop.SetFaultsAsync("", Cancellation);
        }
    }

    [Fact]
    public async Task Finding13_Publishes_failing_for_3_s_once_orders_flow_break_no_promise()
    {
        Suite.RequireFaultScenarios();
        // Finding 13 (docs/reliability.md; issue 13): inventory's outcome publishes failed in the window, their deliveries
        // failed, tripped the inbound `subscriber` breaker and waited out Redis' 60 s redelivery, so outcomes landed
        // after the settle limit. Inventory now stores the outcome, arms a durable retry and answers the delivery 200.
        // As above, but the window opens once the first order has gone out, so it falls on a saga in full flow:
        // ordering's outbox commits, inventory's and payment's publishes and the deliveries that depend on them.
        try
        {
            var outcome = await FlashSale.RunAsync(shop, new SaleSpec("sidecar: publishes fail for 3 s once orders flow", Buyers, Units, async token =>
            {
                await WaitForFirstOrderEventAsync(token);
                await shop.SetFaultsAsync("failPublishesFor=3s", token);
            }), Cancellation);

            AssertKept(outcome, shop);
            Assert.Equal(Units, outcome.Confirmed);
        }
        finally
        {
            await shop.SetFaultsAsync("", Cancellation);
        }
    }

    /// <summary>Polls the shared broker's counters until something was published on <c>orders</c> (at most a minute).</summary>
    private async Task WaitForFirstOrderEventAsync(CancellationToken cancellationToken)
    {
        var sidecar = shop.Run.Replicas.First(r => r.AppId == LocalRun.GatewayAppId);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{sidecar.DaprHttpPort}") };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var counters = await client.GetFromJsonAsync<JsonElement>("embedded/pubsub/counters", cancellationToken);
            if (counters.EnumerateArray().Any(c => c.GetProperty("topic").GetString() == "orders" && c.GetProperty("published").GetInt64() > 0))
            {
                return;
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    internal static void AssertKept(SaleOutcome outcome, ShopFixture shop)
    {
        Assert.True(outcome.Orders.Count > 0, $"{outcome.Spec.Scenario}: no order was placed");
        var violations = outcome.Violations();
        if (violations.Count > 0)
        {
            // What the services said about the orders that did not settle: the one clue a CI run leaves.
            var unsettled = outcome.Orders.Where(o => o.Outcome == "Pending" || (o.Outcome == "Confirmed" && o.Workflow?.Alive != true)).SelectMany(o => new[] { o.OrderId.ToString(), o.OrderId.ToString("N") });
            Assert.Fail($"{outcome.Summary()}{Environment.NewLine}{string.Join(Environment.NewLine, violations)}{Environment.NewLine}"
                + $"log lines about unsettled orders, warnings and errors:{Environment.NewLine}{shop.LinesAbout(unsettled)}");
        }
    }
}
