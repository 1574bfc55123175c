using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>
/// The sale's promises can fail: a read-back that shows a broken promise is reported. Crafted outcomes, no system;
/// here for the promise "no workflow stuck", which no fault scenario breaks on purpose.
/// </summary>
public sealed class SaleOutcomeTests
{
    private static readonly SaleSpec Spec = new("crafted", Buyers: 3, Units: 2);

    private static SettledOrder Confirmed(int buyer, WorkflowVerdict? workflow) =>
        new(Guid.NewGuid(), $"buyer-{buyer}", "Confirmed", "Shipped", null, 100m, 1, Charges: 1, Refunds: 0,
            new Dictionary<string, int> { ["OrderConfirmed"] = 1 }, workflow);

    private static SaleOutcome Sale(params SettledOrder[] confirmed) => new(Spec, "p1", new Stock(2, 0, 0), new Stock(2 - confirmed.Length, 0, confirmed.Length),
        [.. confirmed, new SettledOrder(Guid.NewGuid(), "buyer-9", "Cancelled", "Cancelled", "OutOfStock", 100m, 1, 0, 0, new Dictionary<string, int> { ["OrderCancelled"] = 1 })],
        BuyersWithSeveralOrders: 0, TimeSpan.FromSeconds(1), Settled: true);

    [Fact]
    public void A_sale_whose_confirmed_orders_wait_on_the_courier_or_completed_keeps_every_promise()
    {
        var outcome = Sale(Confirmed(0, new("Waiting", "awaiting CourierScan")), Confirmed(1, new("Completed", "cancelled before the delivery started")));

        Assert.Empty(outcome.Violations());
    }

    [Theory]
    [InlineData("Stuck", "workflow delivery-1 is Terminated")]
    [InlineData("Busy", "packing")]
    public void A_confirmed_order_whose_workflow_is_stuck_or_still_busy_after_the_sale_settled_breaks_the_promise(string state, string reason)
    {
        var outcome = Sale(Confirmed(0, new("Waiting", "awaiting CourierScan")), Confirmed(1, new(state, reason)));

        var violation = Assert.Single(outcome.Violations());
        Assert.StartsWith("no workflow stuck", violation);
        Assert.Contains(reason, violation);
    }

    [Fact]
    public void A_confirmed_order_whose_workflows_were_never_read_breaks_the_promise()
    {
        var violation = Assert.Single(Sale(Confirmed(0, null)).Violations());

        Assert.Contains("not read", violation);
    }
}
