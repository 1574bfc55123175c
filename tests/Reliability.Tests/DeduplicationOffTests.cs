using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>
/// Notification with its once-per-(order, kind) rule switched off by the test-only setting
/// <c>Testing__DisableDeduplication</c>, and every delivery duplicated by the sidecar.
/// </summary>
public sealed class NonIdempotentNotificationShop : ShopFixture
{
    protected override bool FaultScenariosOnly => true;

    protected override IReadOnlyList<string> Faults => ["duplicate=1"];

    protected override Dictionary<string, Dictionary<string, string>> Settings => new()
    {
        ["notification"] = new() { ["Testing__DisableDeduplication"] = "true" },
    };
}

[Collection(SystemLanes.FaultScenarios)]
public sealed class DeduplicationOffTests(NonIdempotentNotificationShop shop) : IClassFixture<NonIdempotentNotificationShop>
{
    [Fact]
    public async Task The_duplicate_delivery_scenario_fails_when_a_consumer_stops_deduplicating()
    {
        Suite.RequireFaultScenarios();
        var outcome = await FlashSale.RunAsync(shop, new SaleSpec("duplicate deliveries with notification dedupe OFF (must fail)", 30, 10), TestContext.Current.CancellationToken);

        // The same checks that pass in the duplicate-delivery scenario must catch the non-idempotent consumer.
        var violations = outcome.Violations();
        Assert.Contains(violations, v => v.StartsWith("exactly one notification per terminal order", StringComparison.Ordinal));
        // ...and for the right reason: a notification delivered twice, not merely one missing (a stalled sale
        // would break the same promise without proving anything about deduplication).
        var duplicated = outcome.Orders.Where(o => o.Notifications.Values.Any(count => count > 1)).ToList();
        Assert.True(duplicated.Count > 0, $"no order got a duplicated notification; {outcome.Summary()}; violations: {string.Join(" | ", violations)}");
    }
}
